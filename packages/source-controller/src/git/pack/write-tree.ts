import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type IgnoreRules, sourceIgnoreFile } from '../../ignore/index.ts';
import type { ObjectStore } from './object-store.ts';
import { commitTree, ObjectFormatError, parseTree } from './tree.ts';

/** File system operations in flight at once (the thread pool has 4 threads by default). */
const parallelism = 8;

/** What a commit's tree holds once the ignore rules are applied. */
export interface TreeListing {
  /** Directories, parents before children (grouped by depth). */
  dirs: string[][];
  files: { path: string; oid: string; executable: boolean }[];
  links: { path: string; oid: string }[];
}

/**
 * Walks the tree of `commit` in the store. `.sourceignore` files are read before the entries of
 * their directory and added to `rules`; what the rules exclude is left out, and an excluded
 * directory is not walked. Submodules (commit entries) are left out.
 */
export function listTree(store: ObjectStore, commit: string, rules: IgnoreRules): TreeListing {
  const commitObject = store.get(commit);
  if (commitObject?.type !== 'commit') throw new ObjectFormatError(`commit ${commit} is not in the pack`);
  const listing: TreeListing = { dirs: [], files: [], links: [] };
  const pending: { path: string; oid: string; depth: number }[] = [
    { path: '', oid: commitTree(commitObject.data), depth: 0 },
  ];
  while (pending.length > 0) {
    const tree = pending.pop() as { path: string; oid: string; depth: number };
    const object = store.get(tree.oid);
    if (object?.type !== 'tree') throw new ObjectFormatError(`tree ${tree.oid} is not in the pack`);
    const entries = parseTree(object.data);
    const ignore = entries.find((entry) => entry.name === sourceIgnoreFile && entry.mode !== '40000');
    const ignoreBlob = ignore && store.get(ignore.oid);
    if (ignoreBlob?.type === 'blob') rules.addSourceIgnore(ignoreBlob.data.toString('utf8'), tree.path);
    for (const entry of entries) {
      const path = tree.path === '' ? entry.name : `${tree.path}/${entry.name}`;
      if (entry.mode === '40000') {
        if (rules.excludes(path, true)) continue;
        const level = listing.dirs[tree.depth];
        if (level) level.push(path);
        else listing.dirs[tree.depth] = [path];
        pending.push({ path, oid: entry.oid, depth: tree.depth + 1 });
        continue;
      }
      if (entry.mode === '160000' || rules.excludes(path, false)) continue;
      if (store.blobSize(entry.oid) === undefined) {
        throw new ObjectFormatError(`blob ${entry.oid} (${path}) is not in the pack`);
      }
      if (entry.mode === '120000') listing.links.push({ path, oid: entry.oid });
      else listing.files.push({ path, oid: entry.oid, executable: entry.mode === '100755' });
    }
  }
  return listing;
}

/** Writes a listed tree into `dir` (which exists and is empty). Returns the files written. */
export async function writeListing(store: ObjectStore, listing: TreeListing, dir: string): Promise<number> {
  for (const level of listing.dirs) await inParallel(level, (path) => mkdir(join(dir, path)));
  await inParallel(listing.files, async (file) => {
    const data = await store.readBlob(file.oid);
    await writeFile(join(dir, file.path), data, { mode: file.executable ? 0o755 : 0o644 });
  });
  await inParallel(listing.links, async (link) => {
    const target = (await store.readBlob(link.oid)).toString('utf8');
    await symlink(target, join(dir, link.path));
  });
  return listing.files.length + listing.links.length;
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, worker));
}
