import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex } from '../digest.ts';
import { tempFilePattern } from './atomic.ts';

export interface GarbageCollectOptions {
  /** The digest in the object's status.artifact: never deleted. */
  current?: string;
  /** How many of the newest artifacts to keep regardless of age (Flux's default: 2). */
  keep?: number;
  /** Older artifacts are deleted only once older than this (Flux's default: 1 minute). */
  ttlMs?: number;
}

const artifactPattern = /^[0-9a-f]{64}\.tar\.gz$/;

/** Deletes garbage in one object directory; returns the deleted file names. */
export async function garbageCollect(
  dir: string,
  now: Date,
  options: GarbageCollectOptions,
): Promise<string[]> {
  const keep = options.keep ?? 2;
  const ttlMs = options.ttlMs ?? 60_000;
  const currentName = options.current === undefined ? undefined : `${digestHex(options.current)}.tar.gz`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = await Promise.all(
    names
      .filter((name) => artifactPattern.test(name) || tempFilePattern.test(name))
      .map(async (name) => ({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs })),
  );
  const expired = (file: { mtimeMs: number }) => now.getTime() - file.mtimeMs > ttlMs;
  // A temp file younger than the TTL may belong to a store() in progress.
  const garbage = files.filter((file) => tempFilePattern.test(file.name) && expired(file));
  const artifacts = files
    .filter((file) => artifactPattern.test(file.name))
    .sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
  garbage.push(...artifacts.slice(keep).filter((file) => file.name !== currentName && expired(file)));
  for (const file of garbage) await rm(join(dir, file.name), { force: true });
  return garbage.map((file) => file.name).sort();
}
