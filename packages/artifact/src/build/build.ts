import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, crc32, createDeflateRaw } from 'node:zlib';
import { formatDigest } from '../digest.ts';
import { ArtifactError } from '../errors.ts';
import { GzipFraming } from './gzip.ts';
import { bodyPadding, EntryType, encodeHeader, endOfArchive } from './ustar.ts';
import {
  type BuildFilter,
  collectEntries,
  type EscapingSymlinkPolicy,
  type ProvidedEntry,
  providedEntries,
  type SourceEntry,
} from './walk.ts';

export interface BuildOptions {
  /** The directory whose contents become the artifact (the directory itself is not an entry). */
  dir: string;
  /** Where to write the tarball; a new file in the OS temp dir when absent. */
  out?: string;
  /** Called for every path below `dir`; return false to leave it (and, for a dir, its contents) out. */
  filter?: BuildFilter;
  /** Symlinks leaving `dir`: fail the build (default) or leave them out. */
  escapingSymlinks?: EscapingSymlinkPolicy;
  /**
   * The tree's entries, given instead of read from `dir` (which then only names the source in
   * messages). The same tree gives the same bytes whether provided or on disk.
   */
  entries?: readonly ProvidedEntry[];
}

export interface BuildResult {
  /** `sha256:<hex>` of the tarball bytes. */
  digest: string;
  /** Size of the tarball in bytes. */
  size: number;
  /** Absolute path of the tarball. */
  path: string;
}

/**
 * The deflate level is part of the format: another level gives other bytes and another digest.
 * 6 is gzip's default, a good speed/size balance for manifests.
 */
const deflateLevel = 6;
/**
 * The tar stream goes to deflate in blocks of exactly this size, so the compressed bytes do not
 * depend on how the filesystem happened to return file contents.
 */
const streamBlockSize = 256 * 1024;

/** Builds a deterministic `.tar.gz` of `dir`: the same content always gives the same bytes. */
export async function buildArtifact(options: BuildOptions): Promise<BuildResult> {
  const filter = options.filter ?? (() => true);
  const escapingSymlinks = options.escapingSymlinks ?? 'error';
  const entries =
    options.entries === undefined
      ? await collectEntries(options.dir, filter, escapingSymlinks)
      : providedEntries(options.dir, options.entries, filter, escapingSymlinks);
  const out = options.out ?? join(await mkdtemp(join(tmpdir(), 'weft-artifact-')), 'artifact.tar.gz');
  const trailer = { crc: 0, size: 0 };
  const hash = createHash('sha256');
  let compressedSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      compressedSize += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(
    Readable.from(tarBlocks(entries, trailer)),
    createDeflateRaw({
      level: deflateLevel,
      memLevel: 8,
      windowBits: 15,
      strategy: constants.Z_DEFAULT_STRATEGY,
    }),
    new GzipFraming(() => trailer),
    tap,
    createWriteStream(out),
  );
  return { digest: formatDigest(hash.digest('hex')), size: compressedSize, path: out };
}

/**
 * The uncompressed tar stream in fixed-size blocks; `trailer` accumulates the CRC32 and size that
 * the gzip trailer needs.
 */
async function* tarBlocks(
  entries: SourceEntry[],
  trailer: { crc: number; size: number },
): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafe(streamBlockSize);
  let used = 0;
  const flushFull = function* (): Generator<Buffer> {
    if (used < block.length) return;
    trailer.crc = crc32(block, trailer.crc);
    trailer.size += block.length;
    yield block;
    block = Buffer.allocUnsafe(streamBlockSize);
    used = 0;
  };
  const append = function* (bytes: Buffer): Generator<Buffer> {
    let offset = 0;
    while (offset < bytes.length) {
      const copied = bytes.copy(block, used, offset);
      used += copied;
      offset += copied;
      yield* flushFull();
    }
  };

  const prefetch = new Prefetcher(entries);
  for (const [index, entry] of entries.entries()) {
    const content = prefetch.take(index);
    if (entry.kind === 'dir') {
      yield* append(encodeHeader({ path: entry.path, type: EntryType.Directory, mode: 0o755, size: 0 }));
    } else if (entry.kind === 'symlink') {
      yield* append(
        encodeHeader({
          path: entry.path,
          type: EntryType.Symlink,
          mode: 0o777,
          size: 0,
          linkTarget: entry.target,
        }),
      );
    } else {
      const mode = entry.executable ? 0o755 : 0o644;
      yield* append(encodeHeader({ path: entry.path, type: EntryType.File, mode, size: entry.size }));
      const provided = content ?? entry.read?.();
      if (provided) {
        const bytes = await provided;
        if (bytes.length !== entry.size) throw sourceChanged(entry.absolutePath, entry.size);
        yield* append(bytes);
        yield* append(bodyPadding(entry.size));
        continue;
      }
      const file = await open(entry.absolutePath, 'r');
      try {
        // Read straight into the block: no intermediate buffer per chunk.
        let remaining = entry.size;
        while (remaining > 0) {
          const { bytesRead } = await file.read(block, used, Math.min(remaining, block.length - used));
          if (bytesRead === 0) throw sourceChanged(entry.absolutePath, entry.size);
          used += bytesRead;
          remaining -= bytesRead;
          yield* flushFull();
        }
        await assertAtEnd(file, entry.absolutePath, entry.size);
      } finally {
        await file.close();
      }
      yield* append(bodyPadding(entry.size));
    }
  }
  yield* append(endOfArchive);
  if (used > 0) {
    const last = block.subarray(0, used);
    trailer.crc = crc32(last, trailer.crc);
    trailer.size += last.length;
    yield last;
  }
}

/**
 * Reads small files ahead of the tar writer. One file at a time leaves the disk idle between
 * round trips to the thread pool; a window of reads in flight keeps it busy, which is most of
 * the build time for a tree of many small files. Large files are streamed instead.
 */
class Prefetcher {
  static readonly window = 32;
  static readonly maxFileSize = 1024 * 1024;
  readonly #entries: SourceEntry[];
  readonly #reads = new Map<number, Promise<Buffer>>();
  #next = 0;

  constructor(entries: SourceEntry[]) {
    this.#entries = entries;
  }

  /** The read started for entry `index`, if it is a small file; starts the next reads. */
  take(index: number): Promise<Buffer> | undefined {
    for (; this.#next < Math.min(this.#entries.length, index + Prefetcher.window); this.#next++) {
      const entry = this.#entries[this.#next];
      if (entry?.kind !== 'file' || entry.size > Prefetcher.maxFileSize) continue;
      const read = entry.read ? entry.read() : readFile(entry.absolutePath);
      // Awaited in order later; this only keeps an early failure from being reported as unhandled.
      read.catch(() => undefined);
      this.#reads.set(this.#next, read);
    }
    const read = this.#reads.get(index);
    this.#reads.delete(index);
    return read;
  }
}

async function assertAtEnd(file: FileHandle, path: string, size: number): Promise<void> {
  const probe = Buffer.alloc(1);
  const { bytesRead } = await file.read(probe, 0, 1, size);
  if (bytesRead !== 0) throw sourceChanged(path, size);
}

function sourceChanged(path: string, size: number): ArtifactError {
  return new ArtifactError(
    'SourceChanged',
    `${path} changed size while the artifact was built (expected ${size} bytes); build again once the source is stable`,
    { details: { path, expectedSize: size } },
  );
}
