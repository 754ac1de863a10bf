/**
 * Runs one Reconciler: informer events → predicates → work queue → reconcile of the cached
 * object, with everything every weft controller does around it, in Flux's order:
 *
 *   deleted?    → finalize (unless suspended), remove the finalizer, forget metrics
 *   no finalizer → add it (beside the reconcile for a reconciler that `awaitsFinalizer`)
 *   suspended?  → log and stop (no requeue)
 *   otherwise   → Reconciling=True, reconcile, Ready summary, observedGeneration,
 *                 lastHandledReconcileAt, status patch (only when changed), requeue at
 *                 `requeueAfter` or `spec.interval`; on error, Warning event (a ReconcileError's
 *                 reason, else ReconciliationFailed) and retry after `spec.retryInterval` or
 *                 with backoff; a StalledError sets Stalled and waits for a spec change; a
 *                 `notReady` outcome is Ready=False with its reason and a quiet retry.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ConditionType, Finalizer, Reason } from '@weft/api';
import { type KubeObject, type ObjectRef, objectKey } from '../client/types.ts';
import { type Conditioned, getCondition, markTrue, removeCondition } from '../conditions/conditions.ts';
import { setSummary } from '../conditions/summary.ts';
import { errorMessage } from '../errors/index.ts';
import { type Logger, reconcileLogger } from '../log/logger.ts';
import type { ControllerMetrics, ReconcileOutcome as MetricResult } from '../metrics/controller.ts';
import type { BackoffOptions } from '../queue/backoff.ts';
import type { Scheduler } from '../queue/scheduler.ts';
import { type ProcessResult, RetryAfterError, WorkQueue } from '../queue/work-queue.ts';
import { unsupportedFieldError } from './fields.ts';
import {
  finalizerPatch,
  getInterval,
  getRequestedAt,
  getRetryInterval,
  hasFinalizer,
  isDeleting,
  isSuspended,
  status,
} from './object.ts';
import { defaultUpdatePredicate, type UpdatePredicate } from './predicates.ts';
import {
  type EventEmitter,
  type InformerLike,
  type PatchClient,
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from './types.ts';

/** What `watches` needs from an informer of related objects. */
export interface WatchSource<R extends KubeObject> {
  onAdd(handler: (obj: R) => void): unknown;
  onUpdate(handler: (oldObj: R, newObj: R) => void): unknown;
  onDelete(handler: (obj: R) => void): unknown;
}

export interface ControllerOptions<T extends KubeObject> {
  /** Names the controller in logs and metrics, e.g. `gitrepository`. */
  name: string;
  reconciler: Reconciler<T>;
  informer: InformerLike<T>;
  client: PatchClient;
  events: EventEmitter;
  logger: Logger;
  metrics?: ControllerMetrics;
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
  /** ± fraction applied to interval requeues (Flux's interval jitter), default 0.05. */
  jitter?: number;
  random?: () => number;
  scheduler?: Scheduler;
  updatePredicate?: UpdatePredicate;
  /** Aborted on shutdown; handed to reconcilers. */
  signal?: AbortSignal;
  /** Hold reconciles until `start()` (the manager starts it once the caches synced). */
  paused?: boolean;
  newReconcileID?: () => string;
}

function describe(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : `${obj.metadata.name}`;
}

export class Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #options: ControllerOptions<T>;
  readonly #reconciler: Reconciler<T>;
  readonly #finalizer: string;
  readonly #predicate: UpdatePredicate;
  readonly #signal: AbortSignal;
  #handlersAttached = false;

  constructor(options: ControllerOptions<T>) {
    this.name = options.name;
    this.#options = options;
    this.#reconciler = options.reconciler;
    this.#finalizer = options.reconciler.finalizer ?? Finalizer.Source;
    this.#predicate = options.updatePredicate ?? defaultUpdatePredicate;
    this.#signal = options.signal ?? new AbortController().signal;
    this.queue = new WorkQueue({
      handler: (key) => this.reconcileKey(key),
      concurrency: options.concurrency ?? 4,
      jitter: options.jitter ?? 0.05,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      ...(options.metrics ? { metrics: options.metrics.queueHooks(options.name) } : {}),
      paused: options.paused === true,
      onError: (key, error, retryIn) =>
        options.logger.error(
          { key, err: error, retryInMs: retryIn, controller: options.name },
          'reconcile failed',
        ),
    });
  }

  /** Connects informer events to the queue. Call before the informer starts. */
  watch(): void {
    if (this.#handlersAttached) return;
    this.#handlersAttached = true;
    const informer = this.#options.informer;
    informer.onAdd((obj) => this.queue.add(objectKey(obj)));
    informer.onUpdate((oldObj, newObj) => {
      if (this.#predicate(oldObj, newObj)) this.queue.add(objectKey(newObj));
    });
    informer.onDelete((obj) => this.queue.add(objectKey(obj)));
  }

  /**
   * Enqueues owners when a related object changes: on each add, update or delete seen by
   * `source` (an informer of the manager's cache), `map` returns the keys (`namespace/name`) of
   * the objects of this controller to reconcile. It gets the previous object on updates, so it
   * can ignore changes that do not matter (a status write, a resync). Call before the manager
   * starts. A `map` that throws is reported by the informer and enqueues nothing.
   */
  watches<R extends KubeObject>(
    source: WatchSource<R>,
    map: (obj: R, oldObj: R | undefined) => Iterable<string>,
  ): this {
    const enqueue = (obj: R, oldObj: R | undefined): void => {
      for (const key of map(obj, oldObj)) this.queue.add(key);
    };
    source.onAdd((obj) => enqueue(obj, undefined));
    source.onUpdate((oldObj, newObj) => enqueue(newObj, oldObj));
    source.onDelete((obj) => enqueue(obj, undefined));
    return this;
  }

  /** Whether the informer has listed its objects once (before, `cached` finds none). */
  get hasSynced(): boolean {
    return this.#options.informer.hasSynced;
  }

  /** The cached object of `key` (`namespace/name`), as the informer holds it: do not modify it. */
  cached(key: string): T | undefined {
    return this.#options.informer.get(key);
  }

  /** Starts reconciling the keys queued so far (for a controller made `paused`). */
  start(): void {
    this.queue.start();
  }

  /** Stops taking work and waits (up to `deadlineMs`) for running reconciles. */
  shutdown(deadlineMs: number): Promise<boolean> {
    return this.queue.shutdown(deadlineMs);
  }

  #ref(obj: KubeObject): ObjectRef {
    return {
      apiVersion: obj.apiVersion || this.#reconciler.apiVersion,
      kind: obj.kind || this.#reconciler.kind,
      name: obj.metadata.name ?? '',
      namespace: obj.metadata.namespace,
    };
  }

  #metricRef(key: string): { kind: string; name: string; namespace: string } {
    const slash = key.indexOf('/');
    return {
      kind: this.#reconciler.kind,
      namespace: slash < 0 ? '' : key.slice(0, slash),
      name: slash < 0 ? key : key.slice(slash + 1),
    };
  }

  /** Adds the finalizer with a merge patch and takes the finalizer list and resourceVersion it returns. */
  async #addFinalizer(obj: T): Promise<void> {
    const patched = await this.#options.client.patch(
      this.#ref(obj),
      finalizerPatch(obj, this.#finalizer, true),
    );
    obj.metadata.finalizers = patched.metadata.finalizers ?? [
      ...(obj.metadata.finalizers ?? []),
      this.#finalizer,
    ];
    if (patched.metadata.resourceVersion) obj.metadata.resourceVersion = patched.metadata.resourceVersion;
  }

  /** One pass over one key: what the queue calls. Public for tests. */
  async reconcileKey(key: string): Promise<ProcessResult> {
    const metrics = this.#options.metrics;
    const cached = this.#options.informer.get(key);
    if (!cached) {
      metrics?.forgetObject(this.#metricRef(key));
      return;
    }
    // The cache is shared: work on a copy.
    const obj = structuredClone(cached);
    const reconcileID = this.#options.newReconcileID?.() ?? randomUUID();
    const log = reconcileLogger(this.#options.logger, {
      controller: this.name,
      kind: this.#reconciler.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name ?? '',
      reconcileID,
    });
    const ctx: ReconcileContext = {
      log,
      events: this.#options.events,
      reconcileID,
      signal: this.#signal,
      now: () => new Date(this.#options.scheduler?.now() ?? Date.now()),
      waiting: (work) => this.queue.waiting(work),
    };
    const started = this.#options.scheduler?.now() ?? performance.now();
    const observe = (result: MetricResult) => {
      const ended = this.#options.scheduler?.now() ?? performance.now();
      metrics?.recordReconcile(this.#reconciler.kind, result, (ended - started) / 1000);
    };

    if (isDeleting(obj)) {
      if (hasFinalizer(obj, this.#finalizer)) {
        try {
          if (this.#reconciler.finalize && !isSuspended(obj)) await this.#reconciler.finalize(obj, ctx);
          await this.#options.client.patch(this.#ref(obj), finalizerPatch(obj, this.#finalizer, false));
          log.info('finalized');
        } catch (error) {
          observe('error');
          throw error;
        }
      }
      metrics?.recordCondition(this.#metricRef(key), ConditionType.Ready, 'Deleted');
      observe('success');
      return;
    }

    if (!hasFinalizer(obj, this.#finalizer)) {
      const adding = this.#addFinalizer(obj);
      // Only a reconciler that awaits it itself before making anything its finalizer cleans up
      // runs beside the PATCH (one API write off each new object's serial path); the others, and
      // a suspended object, wait here.
      if (this.#reconciler.awaitsFinalizer === true && !isSuspended(obj)) {
        adding.catch(() => {}); // awaited below, after the reconcile: not unhandled meanwhile
        ctx.finalizerAdded = adding;
      } else await adding;
    }

    if (isSuspended(obj)) {
      log.info('reconciliation is suspended for this object');
      observe('success');
      return;
    }

    const before = structuredClone(status(obj));
    const conditioned = obj as unknown as Conditioned;
    const summaryOptions = {
      conditions: this.#reconciler.conditions ?? [],
      negativePolarity: this.#reconciler.negativePolarity ?? [],
      now: ctx.now,
    };
    markTrue(
      conditioned,
      ConditionType.Reconciling,
      Reason.Progressing,
      'reconciliation in progress',
      ctx.now,
    );

    let outcome: ReconcileResult | undefined;
    let failure: unknown;
    try {
      const refused = unsupportedFieldError(this.#reconciler.kind, this.#reconciler.fields, obj);
      if (refused) throw refused;
      outcome = (await this.#reconciler.reconcile(obj, ctx)) ?? undefined;
    } catch (error) {
      // Something thrown must count as a failure even when it is `undefined`.
      failure = error ?? new Error(`${this.#reconciler.kind} reconcile threw ${String(error)}`);
    }
    // A finalizer that did not land fails the whole pass before anything is written: the status
    // would otherwise describe work the object cannot clean up on deletion. The reconciler saw the
    // same error where it awaited `finalizerAdded`, so it stored nothing.
    try {
      await ctx.finalizerAdded;
    } catch (error) {
      observe('error');
      throw error;
    }

    const notReady = failure === undefined ? outcome?.notReady : undefined;
    if (failure instanceof StalledError) {
      removeCondition(conditioned, ConditionType.Reconciling);
      markTrue(conditioned, ConditionType.Stalled, failure.reason, failure.message, ctx.now);
    } else if (failure !== undefined || notReady !== undefined) {
      markTrue(
        conditioned,
        ConditionType.Reconciling,
        Reason.ProgressingWithRetry,
        failure !== undefined ? `retrying: ${errorMessage(failure)}` : (notReady?.message ?? ''),
        ctx.now,
      );
      removeCondition(conditioned, ConditionType.Stalled);
    } else {
      removeCondition(conditioned, ConditionType.Reconciling);
      removeCondition(conditioned, ConditionType.Stalled);
    }
    // Why Ready is not True, when the reconciler says so: a ReconcileError's reason (a
    // StalledError is already on Stalled) or a "not ready yet" outcome.
    const stated =
      failure instanceof ReconcileError && !(failure instanceof StalledError)
        ? { reason: failure.reason, message: failure.message }
        : notReady;
    setSummary(conditioned, {
      ...summaryOptions,
      ...(stated !== undefined ? { notReady: stated } : {}),
      ...(failure !== undefined && !(failure instanceof ReconcileError) ? { error: failure } : {}),
      ...(failure === undefined && outcome?.ready !== undefined ? { ready: outcome.ready } : {}),
    });

    const newStatus = status(obj);
    if (obj.metadata.generation !== undefined) newStatus.observedGeneration = obj.metadata.generation;
    const requestedAt = getRequestedAt(obj);
    if (requestedAt !== undefined) newStatus.lastHandledReconcileAt = requestedAt;
    if (!isDeepStrictEqual(before, newStatus)) {
      try {
        await this.#options.client.patchStatus(this.#ref(obj), newStatus);
      } catch (error) {
        observe('error');
        log.error({ err: error }, 'failed to patch status');
        throw error;
      }
    }
    for (const condition of [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled]) {
      const current = getCondition(conditioned, condition);
      if (current) metrics?.recordCondition(this.#metricRef(key), condition, current.status);
    }

    if (failure !== undefined) {
      observe('error');
      const stalled = failure instanceof StalledError;
      await this.#options.events.record(obj, {
        type: 'Warning',
        reason: failure instanceof ReconcileError ? failure.reason : Reason.ReconciliationFailed,
        note: errorMessage(failure),
      });
      if (stalled) {
        log.error({ err: failure }, `${this.#reconciler.kind} ${describe(obj)} is stalled`);
        return;
      }
      const retryInterval = getRetryInterval(obj);
      throw retryInterval !== undefined ? new RetryAfterError(failure, retryInterval) : failure;
    }

    if (notReady !== undefined) {
      const retryAfter = outcome?.requeueAfter ?? getRetryInterval(obj) ?? getInterval(obj);
      observe('requeue');
      log.debug({ requeueAfter: retryAfter, reason: notReady.reason }, 'not ready');
      return retryAfter !== undefined ? { requeueAfter: retryAfter } : undefined;
    }
    const requeueAfter = outcome?.requeueAfter ?? getInterval(obj);
    observe(outcome?.requeueAfter !== undefined ? 'requeue' : 'success');
    log.debug({ requeueAfter }, 'reconciled');
    return requeueAfter !== undefined ? { requeueAfter } : undefined;
  }
}
