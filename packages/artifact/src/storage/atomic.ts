import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
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
