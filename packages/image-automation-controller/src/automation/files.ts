/**
 * The Setters strategy over a checked-out tree: every YAML file under `update.path` that holds
 * a marker is edited in place and written back only if something changed.
 */
import { lstat, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  applySetters,
  type ImageRef,
  type SetterChange,
  type SetterRef,
  SetterShortHand,
} from './setters.ts';

/** Files Flux's Setters strategy reads. */
const isManifest = (name: string) =>
  name.endsWith('.yaml') || name.endsWith('.yml') || name === 'Kustomization';

export class UpdatePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdatePathError';
  }
}

/** The directory `update.path` names inside `root`; it may not leave the repository. */
export function updateRoot(root: string, updatePath: string | undefined): string {
  const base = resolve(root);
  const target = resolve(base, (updatePath ?? '').replace(/^\/+/, '') || '.');
  if (target !== base && !target.startsWith(base + sep)) {
    throw new UpdatePathError(`spec.update.path ${updatePath} points outside the repository`);
  }
  return target;
}

async function* manifests(dir: string): AsyncGenerator<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Symlinks are never followed: they could point outside the repository.
    if (entry.isDirectory()) {
      if (entry.name !== '.git') yield* manifests(path);
    } else if (entry.isFile() && isManifest(entry.name)) {
      yield path;
    }
  }
}

/**
 * Applies the markers under `updatePath` of the tree at `root`, writes the files that change and
 * returns the changes by path (relative to `root`, with `/`).
 */
export async function updateTree(
  root: string,
  updatePath: string | undefined,
  lookup: (ref: SetterRef) => ImageRef | undefined,
): Promise<Map<string, SetterChange[]>> {
  const start = updateRoot(root, updatePath);
  const startStat = await lstat(start).catch(() => undefined);
  if (!startStat?.isDirectory()) {
    throw new UpdatePathError(`spec.update.path ${updatePath} is not a directory of the repository`);
  }
  // A symlinked directory on the way (`link/sub`) could lead out of the checkout.
  const [realRoot, realStart] = await Promise.all([realpath(root), realpath(start)]);
  if (realStart !== realRoot && !realStart.startsWith(realRoot + sep)) {
    throw new UpdatePathError(
      `spec.update.path ${updatePath} leads outside the repository through a symlink`,
    );
  }
  const changed = new Map<string, SetterChange[]>();
  for await (const path of manifests(start)) {
    const bytes = await readFile(path);
    if (!bytes.includes(SetterShortHand)) continue;
    const text = bytes.toString('utf8');
    // A file that is not UTF-8 could not be written back byte for byte: leave it.
    if (!Buffer.from(text, 'utf8').equals(bytes)) continue;
    const rel = relative(root, path).split(sep).join('/');
    const result = applySetters(rel, text, lookup);
    if (result.changes.length === 0) continue;
    await writeFile(path, result.text);
    changed.set(rel, result.changes);
  }
  return changed;
}
