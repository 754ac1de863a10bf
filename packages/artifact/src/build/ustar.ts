/**
 * POSIX ustar headers, written by hand so that every byte is ours to fix: mtime 0, uid/gid 0,
 * empty uname/gname, normalised modes. A pax extended header is added only when a path, link
 * target or size does not fit ustar, and it carries nothing but those fields (no times).
 */

export const blockSize = 512;

export const EntryType = {
  File: '0',
  Symlink: '2',
  Directory: '5',
  PaxHeader: 'x',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface TarEntryHeader {
  /** Archive path without a trailing slash. */
  path: string;
  type: EntryType;
  mode: number;
  size: number;
  linkTarget?: string;
}

/** The largest size the 11-digit octal field holds (8 GiB − 1). */
const maxOctalSize = 0o77777777777;
const paxHeaderName = 'pax_header';

function writeString(block: Buffer, value: string, offset: number, length: number): void {
  block.write(value, offset, length, 'utf8');
}

function writeOctal(block: Buffer, value: number, offset: number, length: number): void {
  // `length - 1` digits, zero-padded, then NUL, as GNU and BSD tar write them.
  writeString(block, `${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
}

function encodeBlock(name: string, prefix: string, entry: TarEntryHeader, linkTarget: string): Buffer {
  const block = Buffer.alloc(blockSize);
  writeString(block, name, 0, 100);
  writeOctal(block, entry.mode, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, entry.size > maxOctalSize ? 0 : entry.size, 124, 12);
  writeOctal(block, 0, 136, 12);
  block.fill(0x20, 148, 156);
  writeString(block, entry.type, 156, 1);
  writeString(block, linkTarget, 157, 100);
  writeString(block, 'ustar\x0000', 257, 8);
  writeOctal(block, 0, 329, 8);
  writeOctal(block, 0, 337, 8);
  writeString(block, prefix, 345, 155);
  let checksum = 0;
  for (const byte of block) checksum += byte;
  writeString(block, `${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes), if it can. */
function splitPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    const prefix = path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (Buffer.byteLength(prefix) > 155) return undefined;
    if (Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  // The length prefix counts itself, so grow it until the total is stable.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) {
    length = String(length).length + Buffer.byteLength(body);
  }
  return `${length}${body}`;
}

function padding(size: number): number {
  return (blockSize - (size % blockSize)) % blockSize;
}

/** The header blocks (with a pax header first when needed) for one entry. */
export function encodeHeader(entry: TarEntryHeader): Buffer {
  const fullPath = entry.type === EntryType.Directory ? `${entry.path}/` : entry.path;
  const linkTarget = entry.linkTarget ?? '';
  const split = splitPath(fullPath);
  let pax = '';
  if (!split) pax += paxRecord('path', fullPath);
  if (Buffer.byteLength(linkTarget) > 100) pax += paxRecord('linkpath', linkTarget);
  if (entry.size > maxOctalSize) pax += paxRecord('size', String(entry.size));

  const header = encodeBlock(
    split ? split.name : fullPath.slice(0, 100),
    split ? split.prefix : '',
    entry,
    Buffer.byteLength(linkTarget) > 100 ? '' : linkTarget,
  );
  if (pax === '') return header;
  const paxBody = Buffer.from(pax, 'utf8');
  const paxHeader = encodeBlock(
    paxHeaderName,
    '',
    { path: paxHeaderName, type: EntryType.PaxHeader, mode: 0o644, size: paxBody.length },
    '',
  );
  return Buffer.concat([paxHeader, paxBody, Buffer.alloc(padding(paxBody.length)), header]);
}

/** Zero bytes that round a file body up to a whole block. */
export function bodyPadding(size: number): Buffer {
  return Buffer.alloc(padding(size));
}

/** Two zero blocks mark the end of the archive. */
export const endOfArchive: Buffer = Buffer.alloc(blockSize * 2);
