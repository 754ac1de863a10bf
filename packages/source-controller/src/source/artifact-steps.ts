/**
 * The artifact steps every source kind shares (Flux's reconcileStorage and the store half of
 * reconcileArtifact): is the artifact in status still stored, and store a new tarball, re-using
 * identical stored bytes and collecting old ones. GitRepository, HelmRepository, HelmChart,
 * OCIRepository and Bucket all store through here.
 */

import { rm } from 'node:fs/promises';
import { ConditionType, Reason } from '@weft/api';
import type { ArtifactRef, Storage } from '@weft/artifact';
import type { KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import { type ReconcileContext, ReconcileError } from '@weft/runtime/reconcile';

export interface SourceArtifact {
  path: string;
  url: string;
  revision: string;
  digest: string;
  lastUpdateTime: string;
  size?: number;
  metadata?: Record<string, string>;
}

export interface SourceObject extends KubeObject {
  status?: { artifact?: SourceArtifact; url?: string } & Record<string, unknown>;
}

/** The artifact storage, or a function giving it once the artifact server is bound. */
export type StorageSource = Storage | (() => Storage);

export function storageOf(source: StorageSource): Storage {
  return typeof source === 'function' ? source() : source;
}

export function asConditioned(obj: KubeObject): conditions.Conditioned {
  return obj as unknown as conditions.Conditioned;
}

export function artifactRef(kind: string, obj: KubeObject): ArtifactRef {
  return { kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

export function storedMessage(revision: string): string {
  return `stored artifact for revision '${revision}'`;
}

/**
 * Is the artifact in status still in storage? Drops it when not (so it is rebuilt); re-points its
 * URL at the advertised address. True when it is stored.
 */
export async function reconcileStorage(
  obj: SourceObject,
  storage: Storage,
  ref: ArtifactRef,
  ctx: ReconcileContext,
): Promise<boolean> {
  obj.status ??= {};
  const status = obj.status;
  const artifact = status.artifact;
  const cond = asConditioned(obj);
  if (!artifact) {
    conditions.markFalse(cond, ConditionType.ArtifactInStorage, 'NoArtifact', 'no artifact yet', ctx.now);
    return false;
  }
  if (!(await storage.has(ref, artifact.digest))) {
    delete status.artifact;
    conditions.markFalse(
      cond,
      ConditionType.ArtifactInStorage,
      'NoArtifact',
      'the artifact disappeared from storage: it will be rebuilt',
      ctx.now,
    );
    return false;
  }
  artifact.url = storage.url(ref, artifact.digest);
  if (status.url !== undefined) status.url = artifact.url;
  conditions.markTrue(
    cond,
    ConditionType.ArtifactInStorage,
    Reason.Succeeded,
    storedMessage(artifact.revision),
    ctx.now,
  );
  return true;
}

/** The event of a new artifact: Flux's NewArtifact by default, or the kind's own (ChartPullSucceeded). */
export interface ArtifactEvent {
  reason: string;
  note: string;
}

export interface StoreOptions {
  storage: Storage;
  ref: ArtifactRef;
  /** The tarball to store; it is gone afterwards (moved into storage, or deleted). */
  tarball: string;
  /** The tarball's digest when the caller knows it: identical bytes stored already are re-used. */
  digest?: string | undefined;
  revision: string;
  metadata?: Record<string, string> | undefined;
  gc?: { keep?: number; ttlMs?: number } | undefined;
  ctx: ReconcileContext;
  /** Where the content came from, for the event: `oci://…`, `s3://bucket/prefix`. */
  origin?: string;
  /** The event recorded when revision or digest changed (default NewArtifact, "stored artifact for revision …"). */
  event?: ArtifactEvent;
  /** Whether the kind has `status.url` (all but GitRepository), set to the artifact's URL. */
  statusUrl?: boolean;
}

type Stored = Omit<SourceArtifact, 'revision'>;

/**
 * Moves `tarball` into storage as the object's artifact for `revision` (or drops it when the same
 * bytes are stored already, for this object or, as a hard link, another), garbage-collects old
 * ones, sets ArtifactInStorage and records a NewArtifact event when revision or digest changed.
 */
export async function storeArtifact(obj: SourceObject, options: StoreOptions): Promise<SourceArtifact> {
  const artifact = await saveArtifact(obj, options, async (previous) => {
    const kept = options.digest === undefined ? undefined : await reuse(options, options.digest, previous);
    if (kept) await rm(options.tarball, { force: true });
    return kept ?? (await options.storage.store(options.ref, options.tarball));
  });
  return artifact as SourceArtifact;
}

/**
 * storeArtifact without a tarball: the artifact of `digest` when this object has it stored
 * already, or storage has those bytes for another object (a hard link). Undefined, with nothing
 * changed, when neither: build the tarball and store it. For N objects of one artifact (the
 * OCIRepository layer cache knows the digest before anything is downloaded or copied).
 */
export function linkArtifact(
  obj: SourceObject,
  options: Omit<StoreOptions, 'tarball' | 'digest'> & { digest: string },
): Promise<SourceArtifact | undefined> {
  return saveArtifact(obj, options, (previous) => reuse(options, options.digest, previous));
}

/** The stored artifact of `digest`: the object's own (same digest, still stored), else a link. */
async function reuse(
  options: Pick<StoreOptions, 'storage' | 'ref' | 'revision' | 'ctx'>,
  digest: string,
  previous: SourceArtifact | undefined,
): Promise<Stored | undefined> {
  const { storage, ref } = options;
  if (previous?.digest === digest && (await storage.has(ref, digest))) {
    const kept: Stored = { ...previous, url: storage.url(ref, digest) };
    if (previous.revision !== options.revision) kept.lastUpdateTime = options.ctx.now().toISOString();
    return kept;
  }
  return storage.link(ref, digest);
}

/** Stores through `obtain` (undefined: nothing stored), then GC, status, conditions and the event. */
async function saveArtifact(
  obj: SourceObject,
  options: Omit<StoreOptions, 'tarball'>,
  obtain: (previous: SourceArtifact | undefined) => Promise<Stored | undefined>,
): Promise<SourceArtifact | undefined> {
  const { storage, ref, ctx } = options;
  obj.status ??= {};
  const status = obj.status;
  const cond = asConditioned(obj);
  const previous = status.artifact;
  // The finalizer removes the object's artifacts: none is stored before it is on the object (it
  // runs beside the fetch for kinds that `awaitsFinalizer`; a failure to add it fails this reconcile).
  await ctx.finalizerAdded;
  let artifact: SourceArtifact;
  try {
    const stored = await obtain(previous);
    if (stored === undefined) return undefined;
    artifact = {
      ...stored,
      revision: options.revision,
      ...(options.metadata && Object.keys(options.metadata).length > 0 ? { metadata: options.metadata } : {}),
    };
    if (!options.metadata) delete artifact.metadata;
    await storage.garbageCollect(ref, { current: artifact.digest, ...options.gc });
  } catch (error) {
    const message = `storing the artifact failed: ${errorMessage(error)}`;
    conditions.markTrue(
      cond,
      ConditionType.StorageOperationFailed,
      Reason.StorageOperationFailed,
      message,
      ctx.now,
    );
    throw new ReconcileError(Reason.StorageOperationFailed, message, { cause: error });
  }
  status.artifact = artifact;
  if (options.statusUrl !== false) status.url = artifact.url;
  conditions.removeCondition(cond, ConditionType.StorageOperationFailed);
  conditions.markTrue(
    cond,
    ConditionType.ArtifactInStorage,
    Reason.Succeeded,
    storedMessage(artifact.revision),
    ctx.now,
  );
  if (previous?.revision !== artifact.revision || previous?.digest !== artifact.digest) {
    const event = options.event ?? {
      reason: 'NewArtifact',
      note: `stored artifact for revision '${artifact.revision}'${options.origin ? ` from ${options.origin}` : ''} (${artifact.digest})`,
    };
    // Not awaited, as client-go's recorder does not block a reconcile: the Event is one more API
    // write, and waiting for it before the status patch made every new artifact a third serial
    // write (the OCI benchmark's reconciles were bound by API write latency, not CPU).
    ctx.events
      .record(obj, { type: 'Normal', ...event, revision: artifact.revision })
      .catch((error: unknown) => ctx.log.error({ err: error }, 'recording the NewArtifact event failed'));
  }
  return artifact;
}
