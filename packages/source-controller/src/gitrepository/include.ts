/** Bookkeeping of spec.include: whether the included artifacts changed, and safe include paths. */
import { createHash } from 'node:crypto';
import { isAbsolute, normalize } from 'node:path';
import { type GitRepositorySpec, type GitRepositoryStatus, Reason } from '@weft/api';
import { StalledError } from '@weft/runtime/reconcile';

export type IncludedArtifact = NonNullable<GitRepositoryStatus['includedArtifacts']>[number];

/** Whether spec.include and the included artifacts are what the stored artifact was built from. */
export function sameInclude(
  status: GitRepositoryStatus,
  spec: GitRepositorySpec,
  included: IncludedArtifact[],
): boolean {
  if (checksum(status.observedInclude ?? []) !== checksum(spec.include ?? [])) return false;
  const previous = (status.includedArtifacts ?? []).map((artifact) => artifact.digest);
  return checksum(previous) === checksum(included.map((artifact) => artifact.digest));
}

function checksum(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** A spec.include path, refused when it would leave the artifact. */
export function safeRelative(path: string, field: string): string {
  const normalized = normalize(path === '' ? '.' : path);
  if (isAbsolute(normalized) || normalized.split('/').includes('..')) {
    throw new StalledError(
      Reason.InvalidSpec,
      `spec.include ${field} "${path}" must stay inside the artifact`,
    );
  }
  return normalized;
}
