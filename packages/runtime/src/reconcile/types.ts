/**
 * The reconciler contract. A controller package implements `Reconciler` for its kind; the
 * runtime's `Controller` does everything around it (queue, finalizer, suspend, requestedAt,
 * observedGeneration, Ready summary, status patch, events, metrics, requeue).
 */
import type { FieldSupport } from '@weft/api';
import type { KubeObject, ObjectRef } from '../client/types.ts';
import type { EventInput, EventSubject } from '../events/recorder.ts';
import type { Logger } from '../log/logger.ts';

/** A reason and message for the Ready condition (Flux's condition reasons: `BuildFailed`, …). */
export interface ReadyReason {
  reason: string;
  message: string;
}

/**
 * What a reconcile asks for next. Without `requeueAfter` the object is due at `spec.interval`.
 *
 * - `ready`: the reason and message of Ready=True for this success (e.g.
 *   `ReconciliationSucceeded`, `Applied revision: …`). Without it Ready=True takes the first
 *   positive True condition's, else `Succeeded`. A condition reporting a problem still wins.
 * - `notReady`: not an error, not ready yet (e.g. `DependencyNotReady`): Ready=False with this
 *   reason, `Reconciling=True/ProgressingWithRetry`, no Warning event, and the object is due
 *   again after `requeueAfter` (else `spec.retryInterval`, else `spec.interval`).
 */
export interface ReconcileResult {
  requeueAfter?: number;
  ready?: ReadyReason;
  notReady?: ReadyReason;
}

/** Recording events: the `EventRecorder` has this shape. */
export interface EventEmitter {
  record(obj: EventSubject, input: EventInput): Promise<void>;
}

export interface ReconcileContext {
  /** Child logger with controller, kind, namespace, name and reconcileID. */
  log: Logger;
  events: EventEmitter;
  reconcileID: string;
  /** Aborted when the manager shuts down: stop long operations. */
  signal: AbortSignal;
  now(): Date;
  /**
   * Runs work that only waits on others (a health check polling what another controller
   * rolls out) without holding a `--concurrent` slot, so the queue starts another key
   * meanwhile (WorkQueue.waiting). Absent: the work runs in the slot.
   */
  waiting?<R>(work: () => Promise<R>): Promise<R>;
  /**
   * For a reconciler that `awaitsFinalizer`, on an object that did not carry the finalizer yet:
   * the PATCH adding it, running beside the reconcile. It rejects when the finalizer did not land;
   * await it before creating anything the finalizer must clean up (an artifact, applied objects).
   * Absent (or resolved) otherwise. The controller awaits it too, before any status write.
   */
  finalizerAdded?: Promise<void>;
}

export interface Reconciler<T extends KubeObject = KubeObject> {
  readonly apiVersion: string;
  readonly kind: string;
  /** Conditions this reconciler sets, most important first: the Ready summary reads them. */
  readonly conditions?: readonly string[];
  /** Of those, the ones whose True status is abnormal (e.g. FetchFailed). */
  readonly negativePolarity?: readonly string[];
  /** Finalizer to add (default `finalizers.weft.dev`). */
  readonly finalizer?: string;
  /**
   * True when `reconcile` awaits `ctx.finalizerAdded` before its first side effect that the
   * finalizer must undo: the controller then adds the finalizer beside the reconcile instead of
   * before it. Default false: the finalizer lands first.
   */
  readonly awaitsFinalizer?: boolean;
  /**
   * The spec fields this reconciler implements and those it refuses for now. With it, the
   * controller stalls an object that sets any other field (`UnsupportedField`, naming it) before
   * `reconcile` runs; see `fieldSupportGaps` for the test that keeps it in step with the schema.
   */
  readonly fields?: FieldSupport;
  /** Brings the world in line with `obj.spec` and writes `obj.status`; throws on error. */
  // biome-ignore lint/suspicious/noConfusingVoidType: reconcilers that want the default may return nothing.
  reconcile(obj: T, ctx: ReconcileContext): Promise<ReconcileResult | void>;
  /** Cleans up before the object goes away; the finalizer is removed after it resolves. */
  finalize?(obj: T, ctx: ReconcileContext): Promise<void>;
}

/**
 * A failed reconcile that says why: `reason` becomes Ready=False's reason and the Warning event's
 * reason (instead of `ReconciliationFailed`); retried as any error (`spec.retryInterval`, else
 * backoff). `new ReconcileError(Reason.BuildFailed, 'kustomize build failed: …')`.
 */
export class ReconcileError extends Error {
  override name = 'ReconcileError';
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A terminal error: the object cannot progress until its spec changes (kstatus Stalled). */
export class StalledError extends ReconcileError {
  override name = 'StalledError';
}

/** What the controller needs from the cache (the runtime `Informer` has it). */
export interface InformerLike<T extends KubeObject> {
  onAdd(handler: (obj: T) => void): unknown;
  onUpdate(handler: (oldObj: T, newObj: T) => void): unknown;
  onDelete(handler: (obj: T) => void): unknown;
  readonly hasSynced: boolean;
  get(key: string): T | undefined;
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** What the controller needs to write objects (the runtime `Client` has it). */
export interface PatchClient {
  /** JSON merge patch of the object. */
  patch(ref: ObjectRef, patch: unknown): Promise<KubeObject>;
  /** JSON merge patch of the status subresource with `{status}`. */
  patchStatus(ref: ObjectRef, status: unknown): Promise<KubeObject>;
}
