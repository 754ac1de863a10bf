/**
 * spec.sparseCheckout: only the listed directories (and the directories leading to them) go
 * into the artifact, as Flux's sparse checkout. Applied as a filter of the artifact build, so the
 * fetch stays one shallow pack.
 */
import { posix } from 'node:path';
import { Reason } from '@weft/api';
import { StalledError } from '@weft/runtime/reconcile';

export type PathFilter = (path: string, isDir: boolean) => boolean;

/** The directories normalised (`./apps/` → `apps`); a path leaving the repository stalls. */
export function sparseDirectories(entries: readonly string[]): string[] {
  return entries.map((entry) => {
    const normalized = posix.normalize(entry.replace(/^\.\/+/, '')).replace(/\/+$/, '');
    if (
      normalized === '' ||
      normalized === '.' ||
      posix.isAbsolute(normalized) ||
      normalized.split('/').includes('..')
    ) {
      throw new StalledError(
        Reason.InvalidSpec,
        `spec.sparseCheckout "${entry}" must be a directory inside the repository (like "apps/prod")`,
      );
    }
    return normalized;
  });
}

/** Keeps what is in a listed directory, and the directories on the way to one. */
export function sparseFilter(directories: readonly string[]): PathFilter {
  return (path, isDir) =>
    directories.some(
      (dir) => path === dir || path.startsWith(`${dir}/`) || (isDir && dir.startsWith(`${path}/`)),
    );
}
