/**
 * The artifact steps every non-Git source shares: is the artifact in status still in storage
 * (re-pointing its URL at the advertised address), and build + store + GC a directory.
 */
import { rm } from 'node:fs/promises';
import { type Artifact, ConditionType, Reason } from '@weft/api';
import { type ArtifactRef, buildArtifact, type Storage } from '@weft/artifact';
import type { KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { ReconcileError } from '@weft/runtime/reconcile';

/** The storage, or a function giving it once the artifact server is bound. */
export type StorageRef = Storage | (() => Storage);

export function resolveStorage(storage: StorageRef): Storage {
  return typeof storage === 'function' ? storage() : storage;
}

export interface ArtifactStatus {
  artifact?: Artifact;
  url?: string;
}

export function asConditioned(obj: KubeObject): conditions.Conditioned {
  return obj as unknown as conditions.Conditioned;
}

export function storedMessage(revision: string): string {
  return `stored artifact for revision '${revision}'`;
}

export function artifactRefOf(obj: KubeObject): ArtifactRef {
  return { kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

/** True when status.artifact is still stored; drops it (so it is rebuilt) when it is not. */
export async function reconcileStoredArtifact(
  storage: Storage,
  obj: KubeObject,
  status: ArtifactStatus,
  now: () => Date,
): Promise<boolean> {
  const artifact = status.artifact;
  const cond = asConditioned(obj);
  if (!artifact) {
    conditions.markFalse(cond, ConditionType.ArtifactInStorage, 'NoArtifact', 'no artifact yet', now);
    return false;
  }
  const ref = artifactRefOf(obj);
  if (!(await storage.has(ref, artifact.digest))) {
    delete status.artifact;
    conditions.markFalse(
      cond,
      ConditionType.ArtifactInStorage,
      'NoArtifact',
      'the artifact disappeared from storage: it will be rebuilt',
      now,
    );
    return false;
  }
  artifact.url = storage.url(ref, artifact.digest);
  status.url = artifact.url;
  conditions.markTrue(
    cond,
    ConditionType.ArtifactInStorage,
    Reason.Succeeded,
    storedMessage(artifact.revision),
    now,
  );
  return true;
}

/**
 * Builds the deterministic tarball of `dir`, stores it as `revision` (or keeps the stored one
 * when the bytes are the same) and garbage-collects older artifacts. True when the artifact changed.
 */
export async function storeDirectory(options: {
  storage: Storage;
  obj: KubeObject;
  status: ArtifactStatus;
  dir: string;
  revision: string;
  gc: { keep?: number; ttlMs?: number } | undefined;
  now: () => Date;
}): Promise<boolean> {
  const { storage, obj, status, now } = options;
  const ref = artifactRefOf(obj);
  const cond = asConditioned(obj);
  const previous = status.artifact;
  try {
    const built = await buildArtifact({ dir: options.dir });
    let stored: Omit<Artifact, 'revision'>;
    if (previous && previous.digest === built.digest && (await storage.has(ref, built.digest))) {
      await rm(built.path, { force: true });
      stored = { ...previous, url: storage.url(ref, built.digest), size: built.size };
      if (previous.revision !== options.revision) stored.lastUpdateTime = now().toISOString();
    } else {
      stored = await storage.store(ref, built.path);
    }
    status.artifact = { ...stored, revision: options.revision };
    status.url = stored.url;
    await storage.garbageCollect(ref, { current: stored.digest, ...options.gc });
  } catch (error) {
    const message = `storing the artifact failed: ${error instanceof Error ? error.message : String(error)}`;
    conditions.markTrue(
      cond,
      ConditionType.StorageOperationFailed,
      Reason.StorageOperationFailed,
      message,
      now,
    );
    throw new ReconcileError(Reason.StorageOperationFailed, message, { cause: error });
  }
  conditions.removeCondition(cond, ConditionType.StorageOperationFailed);
  conditions.markTrue(
    cond,
    ConditionType.ArtifactInStorage,
    Reason.Succeeded,
    storedMessage(options.revision),
    now,
  );
  return previous?.revision !== options.revision || previous?.digest !== status.artifact.digest;
}
