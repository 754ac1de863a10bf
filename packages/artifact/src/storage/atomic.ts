import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Temp files are hidden and end in `.tmp`, so the server never serves them and GC finds them. */
export const tempFilePattern = /^\..+\.tmp$/;

export function tempFileName(): string {
  return `.${randomBytes(8).toString('hex')}.tmp`;
}

/**
 * Moves `source` into `dir` under a temp name: a rename when both are on one filesystem, a copy
 * otherwise. The caller's file is gone afterwards either way.
 */
export async function moveIntoDirectory(source: string, dir: string): Promise<string> {
  const temp = join(dir, tempFileName());
  try {
    await rename(source, temp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    try {
      await pipeline(createReadStream(source), createWriteStream(temp, { flags: 'wx' }));
    } catch (copyError) {
      await rm(temp, { force: true });
      throw copyError;
    }
    await rm(source, { force: true });
  }
  return temp;
}

/** Flushes a file's data and sets its mtime, which GC reads as the artifact's age. */
export async function syncFile(path: string, mtime: Date): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.utimes(mtime, mtime);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename in `dir` durable: without it a crash can lose the new directory entry. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dir` (and missing parents) and, when it created any, makes their entries durable: an
 * artifact fsynced into a directory whose own entry a crash can lose would be lost with it.
 * `dir`'s own entries are the caller's to sync (after it renamed the artifact in).
 */
export async function makeDurableDirectory(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  await syncDirectory(dirname(first));
  for (let created = dirname(dir); created.startsWith(first); created = dirname(created))
    await syncDirectory(created);
}

/**
 * Makes `target` a hard link of `existing` (an artifact with the same bytes, whose data was
 * fsynced when it was first stored), with `mtime` (GC's age: links share it, see the storage
 * design record), through a temp name so readers never see a partial state. No fsync: the data
 * is durable already, and a crash that loses this directory entry leaves no file (the artifact is
 * then rebuilt), never a partial one. Returns the size linked; undefined, with nothing left
 * behind, when `existing` is gone, is not `size` bytes (when given), or the filesystem refuses the
 * link (no hard links, too many links).
 */
export async function linkExisting(
  existing: string,
  target: string,
  mtime: Date,
  size?: number,
): Promise<number | undefined> {
  const temp = join(dirname(target), tempFileName());
  try {
    await link(existing, temp);
    const linked = (await stat(temp)).size;
    if (size !== undefined && linked !== size) return undefined;
    await utimes(temp, mtime, mtime);
    // A rename onto another link of the same file does nothing and keeps `temp`: the rm clears it.
    await rename(temp, target);
    return linked;
  } catch {
    return undefined;
  } finally {
    await rm(temp, { force: true });
  }
}
