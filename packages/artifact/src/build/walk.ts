import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactError } from '../errors.ts';
import { resolveLinkTarget } from '../tarpath/resolve.ts';

/** Decides whether a path (relative, `/`-separated) goes into the artifact. */
export type BuildFilter = (path: string, isDir: boolean) => boolean;

/** What to do with a symlink whose target leaves the directory (or is absolute). */
export type EscapingSymlinkPolicy = 'error' | 'skip';

export type SourceEntry =
  | { kind: 'dir'; path: string }
  | {
      kind: 'file';
      path: string;
      absolutePath: string;
      size: number;
      executable: boolean;
      /** Gives the contents when they do not come from `absolutePath` (a provided entry). */
      read?: () => Promise<Buffer>;
    }
  | { kind: 'symlink'; path: string; target: string };

/**
 * An entry handed to the builder instead of found on disk (a tree held elsewhere, e.g. fetched
 * Git objects); a file gives its contents through `read`, which must give exactly `size` bytes.
 */
export type ProvidedEntry =
  | { kind: 'dir'; path: string }
  | { kind: 'file'; path: string; size: number; executable: boolean; read: () => Promise<Buffer> }
  | { kind: 'symlink'; path: string; target: string };

/**
 * Provided entries as the walk would give them for the same tree on disk: filtered (an excluded
 * directory takes its contents with it), sorted by path, escaping symlinks handled. Paths must be
 * relative, `/`-separated, without `.` or `..` segments, each directory listed before its contents.
 */
export function providedEntries(
  root: string,
  provided: readonly ProvidedEntry[],
  filter: BuildFilter,
  escapingSymlinks: EscapingSymlinkPolicy,
): SourceEntry[] {
  const dirs = new Set<string>(['']);
  const entries: SourceEntry[] = [];
  for (const entry of provided) {
    const segments = entry.path.split('/');
    if (
      entry.path.startsWith('/') ||
      segments.some((segment) => segment === '' || segment === '.' || segment === '..')
    ) {
      throw new ArtifactError(
        'UnsafePath',
        `provided entry ${JSON.stringify(entry.path)} is not a relative path`,
        {
          details: { path: entry.path },
        },
      );
    }
    const parent = segments.slice(0, -1).join('/');
    if (!dirs.has(parent)) continue;
    if (!filter(entry.path, entry.kind === 'dir')) continue;
    if (entry.kind === 'dir') {
      dirs.add(entry.path);
      entries.push(entry);
    } else if (entry.kind === 'file') {
      entries.push({ ...entry, absolutePath: join(root, entry.path) });
    } else {
      entries.push(entry);
    }
  }
  return dropEscapingSymlinks(root, sortByPath(entries), escapingSymlinks);
}

function sortByPath(entries: SourceEntry[]): SourceEntry[] {
  return entries
    .map((entry) => ({ key: Buffer.from(entry.path), entry }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ entry }) => entry);
}

/**
 * Every entry under `root` that the filter accepts, sorted by path (byte order of the UTF-8
 * path, so the order does not depend on the locale or on readdir). Sockets, FIFOs and devices are
 * skipped: they cannot be part of a source. Symlinked directories are not followed; the link
 * itself is kept when it stays inside `root`.
 */
export async function collectEntries(
  root: string,
  filter: BuildFilter,
  escapingSymlinks: EscapingSymlinkPolicy,
): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  const pending: string[] = [''];
  while (pending.length > 0) {
    const dirPath = pending.pop() as string;
    // The lstat calls of one directory run together: one by one, thread-pool latency dominates.
    const files: Promise<SourceEntry>[] = [];
    for (const dirent of await readdir(join(root, dirPath), { withFileTypes: true })) {
      const path = dirPath === '' ? dirent.name : `${dirPath}/${dirent.name}`;
      const absolutePath = join(root, path);
      if (dirent.isDirectory()) {
        if (!filter(path, true)) continue;
        entries.push({ kind: 'dir', path });
        pending.push(path);
      } else if (dirent.isFile()) {
        if (!filter(path, false)) continue;
        files.push(
          lstat(absolutePath).then((stats) => ({
            kind: 'file' as const,
            path,
            absolutePath,
            size: stats.size,
            executable: (stats.mode & 0o111) !== 0,
          })),
        );
      } else if (dirent.isSymbolicLink()) {
        if (!filter(path, false)) continue;
        entries.push({ kind: 'symlink', path, target: await readlink(absolutePath) });
      }
    }
    entries.push(...(await Promise.all(files)));
  }
  return dropEscapingSymlinks(root, sortByPath(entries), escapingSymlinks);
}

function dropEscapingSymlinks(
  root: string,
  entries: SourceEntry[],
  policy: EscapingSymlinkPolicy,
): SourceEntry[] {
  const links = new Map<string, string>();
  for (const entry of entries) if (entry.kind === 'symlink') links.set(entry.path, entry.target);
  return entries.filter((entry) => {
    if (entry.kind !== 'symlink' || resolveLinkTarget(entry.path, entry.target, links) !== undefined) {
      return true;
    }
    if (policy === 'skip') return false;
    throw new ArtifactError(
      'LinkEscape',
      `symlink ${join(root, entry.path)} -> ${entry.target} points outside ${root}; ` +
        'remove it, make it relative and inside the directory, or build with escapingSymlinks: "skip"',
      { details: { path: entry.path, target: entry.target } },
    );
  });
}
