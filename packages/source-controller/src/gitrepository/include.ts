/**
 * spec.include of a GitRepository (Flux's reconcileInclude): the included GitRepositories'
 * artifacts looked up, downloaded (digest-checked) and copied into the tree; whether they changed
 * since the stored artifact; include paths that stay inside the artifact.
 */
import { createHash } from 'node:crypto';
import { cp } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import {
  ConditionType,
  type GitRepository,
  GitRepositoryKind,
  type GitRepositorySpec,
  type GitRepositoryStatus,
  Reason,
  SourceApiVersion,
} from '@weft/api';
import { fetchArtifact } from '@weft/artifact';
import type { Client, KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import { type ReconcileContext, ReconcileError, StalledError } from '@weft/runtime/reconcile';
import { asConditioned } from '../source/artifact-steps.ts';
import { GitReason } from './reasons.ts';

export type IncludedArtifact = NonNullable<GitRepositoryStatus['includedArtifacts']>[number];

/**
 * Checks every included GitRepository has an artifact and returns them, in spec order
 * (IncludeUnavailable names the first that has none). No includes: clears the condition.
 */
export async function listIncluded(
  client: Pick<Client, 'get'>,
  obj: GitRepository & KubeObject,
  ctx: ReconcileContext,
): Promise<IncludedArtifact[]> {
  const cond = asConditioned(obj);
  const found: IncludedArtifact[] = [];
  for (const include of obj.spec.include ?? []) {
    const name = include.repository.name;
    let other: GitRepository | undefined;
    try {
      other = await client.get<GitRepository & KubeObject>({
        apiVersion: SourceApiVersion,
        kind: GitRepositoryKind,
        namespace: obj.metadata.namespace,
        name,
      });
    } catch (error) {
      const message = `included GitRepository ${obj.metadata.namespace}/${name} not found`;
      conditions.markTrue(cond, ConditionType.IncludeUnavailable, GitReason.NotFound, message, ctx.now);
      throw new ReconcileError(Reason.ArtifactFailed, message, { cause: error });
    }
    const artifact = other.status?.artifact;
    if (!artifact) {
      const message = `included GitRepository ${obj.metadata.namespace}/${name} has no artifact yet`;
      conditions.markTrue(
        cond,
        ConditionType.IncludeUnavailable,
        GitReason.ArtifactUnavailable,
        message,
        ctx.now,
      );
      throw new ReconcileError(Reason.ArtifactFailed, message);
    }
    found.push(artifact);
  }
  conditions.removeCondition(cond, ConditionType.IncludeUnavailable);
  return found;
}

/** Downloads each included artifact (digest-checked) and copies its `fromPath` to `toPath` in `dir`. */
export async function copyIncluded(
  obj: GitRepository & KubeObject,
  ctx: ReconcileContext,
  target: { dir: string; workDir: string; included: IncludedArtifact[] },
): Promise<void> {
  for (const [index, include] of (obj.spec.include ?? []).entries()) {
    const artifact = target.included[index] as IncludedArtifact;
    const fromPath = safeRelative(include.fromPath ?? '', 'fromPath');
    const toPath = safeRelative(include.toPath ?? include.repository.name, 'toPath');
    const extracted = join(target.workDir, `include-${index}`);
    try {
      await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir: extracted });
      await cp(join(extracted, fromPath), join(target.dir, toPath), { recursive: true, force: true });
    } catch (error) {
      const message = `include of GitRepository ${include.repository.name} failed: ${errorMessage(error)}`;
      conditions.markTrue(
        asConditioned(obj),
        ConditionType.IncludeUnavailable,
        GitReason.ArtifactUnavailable,
        message,
        ctx.now,
      );
      throw new ReconcileError(Reason.ArtifactFailed, message, { cause: error });
    }
  }
}

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
