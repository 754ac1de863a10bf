/**
 * Hand-made archives for the extraction tests: each entry is written exactly as given, with no
 * sanitising, so tests can craft the hostile archives a compromised server could send.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';

export interface FixtureEntry extends HeaderData {
  body?: Buffer | string;
}

export function tarOf(entries: FixtureEntry[], trailing: Buffer = Buffer.alloc(0)): Buffer {
  const blocks: Buffer[] = [];
  for (const { body, ...data } of entries) {
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const header = new Header({ mode: 0o644, mtime: new Date(0), size: bytes.length, type: 'File', ...data });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block, bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024), trailing);
  return Buffer.concat(blocks);
}

export function tarGzOf(entries: FixtureEntry[], trailing?: Buffer): Buffer {
  return gzipSync(tarOf(entries, trailing), { level: 1 });
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
