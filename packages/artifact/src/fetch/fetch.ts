import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { digestHex } from '../digest.ts';
import { download } from './download.ts';
import { extractArchive } from './extract.ts';
import { defaultLimits } from './limits.ts';

export interface FetchOptions {
  /** status.artifact.url */
  url: string;
  /** status.artifact.digest: the bytes must match it. */
  digest: string;
  /** Where the contents end up. Created, or replaced as a whole if it exists. */
  dir: string;
  /** Per attempt, from the request until the last byte (default 60 s). */
  timeoutMs?: number;
  /** Attempts after the first, on network errors, timeouts and 5xx; never on 4xx (default 3). */
  retries?: number;
  /** Wait before the first retry, doubled for each next one (default 500 ms). */
  backoffMs?: number;
  /** Largest download and largest total of file sizes (default 1 GiB). */
  maxSize?: number;
  /** Most entries in the archive (default 100,000). */
  maxFiles?: number;
}

export interface FetchResult {
  dir: string;
  digest: string;
  /** Compressed size, as downloaded. */
  size: number;
  entries: number;
  /** Total size of the extracted files. */
  bytes: number;
}

/**
 * Downloads an artifact, verifies its digest and extracts it into `dir`. Atomic for the caller:
 * the download and extraction happen in a temp directory beside `dir`, which is renamed into
 * place only when everything succeeded; on any error nothing is left behind.
 */
export async function fetchArtifact(options: FetchOptions): Promise<FetchResult> {
  digestHex(options.digest);
  const parent = dirname(options.dir);
  await mkdir(parent, { recursive: true });
  const work = await mkdtemp(join(parent, `.${basename(options.dir)}.fetch-`));
  try {
    const archive = join(work, 'artifact.tar.gz');
    const { size } = await download({
      url: options.url,
      digest: options.digest,
      file: archive,
      timeoutMs: options.timeoutMs ?? 60_000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 500,
      maxSize: options.maxSize ?? defaultLimits.maxSize,
    });
    const extracted = join(work, 'root');
    await mkdir(extracted);
    const summary = await extractArchive(archive, extracted, {
      maxSize: options.maxSize ?? defaultLimits.maxSize,
      maxFiles: options.maxFiles ?? defaultLimits.maxFiles,
    });
    await replaceDirectory(extracted, options.dir, work);
    return { dir: options.dir, digest: options.digest, size, ...summary };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Renames `source` to `dir`; an existing `dir` is moved into `work` first (and removed with it). */
async function replaceDirectory(source: string, dir: string, work: string): Promise<void> {
  try {
    await rename(source, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    await rename(dir, join(work, `previous-${randomBytes(4).toString('hex')}`));
    await rename(source, dir);
  }
}
