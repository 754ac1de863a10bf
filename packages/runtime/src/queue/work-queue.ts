/**
 * The controller work queue, on top of p-queue (which gives bounded concurrency and FIFO order).
 * What we add is client-go's workqueue contract, keyed by `namespace/name`:
 *
 * - one pending entry per key: adding a key already waiting is a no-op (dedup);
 * - a key is never processed twice at once: adding a key that is being processed marks it
 *   dirty, and it is queued again once the running reconcile ends (so no change is lost);
 * - failures retry with per-key exponential backoff (reset on success);
 * - `addAfter` schedules a key later (for `requeueAfter`/`spec.interval`), with jitter; only the
 *   earliest pending delay of a key is kept, and it is dropped when the key starts processing,
 *   because every reconcile decides afresh when the key is next due (level-based);
 * - `shutdown` stops taking work and waits, up to a deadline, for what is running.
 */
import PQueue from 'p-queue';
import { errorMessage } from '../errors/index.ts';
import { type BackoffOptions, ExponentialBackoff } from './backoff.ts';
import { realScheduler, type Scheduler } from './scheduler.ts';

/** What a processed key asks for next. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that want nothing may return nothing.
export type ProcessResult = { requeueAfter?: number | undefined } | void;

/** Processes one key. Throwing retries the key with backoff (or after `retryAfterMs`, see RetryAfterError). */
export type KeyHandler = (key: string) => Promise<ProcessResult>;

/** An error that asks for the retry at a fixed delay (Flux's `retryInterval`) instead of backoff. */
export class RetryAfterError extends Error {
  override name = 'RetryAfterError';
  readonly retryAfterMs: number;
  constructor(cause: unknown, retryAfterMs: number) {
    super(errorMessage(cause), { cause });
    this.retryAfterMs = retryAfterMs;
  }
}

/** Hooks the queue calls so metrics can be kept outside it. Times are in seconds. */
export interface QueueMetricsHooks {
  depth?(depth: number): void;
  add?(): void;
  /** Time from when a key was queued to when its processing started. */
  latency?(seconds: number): void;
  workDuration?(seconds: number): void;
  retry?(): void;
}

export interface WorkQueueOptions {
  handler: KeyHandler;
  /** Keys processed at once (`--concurrent`). */
  concurrency?: number;
  /** Handlers that may be in `waiting` at once, beyond `concurrency` (default 10 × concurrency). */
  maxWaiting?: number;
  backoff?: Partial<BackoffOptions>;
  /** Fraction of a delay added or removed at random by `addAfter` (0.05 = ±5%). */
  jitter?: number;
  /** Returns a number in [0, 1); defaults to Math.random. */
  random?: () => number;
  scheduler?: Scheduler;
  metrics?: QueueMetricsHooks;
  /** Called when a handler throws, before the retry is scheduled (for logs). */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
  /**
   * Hold keys until `start()` (default false: process at once). The manager holds a
   * controller's queue until the caches its reconciler reads have synced.
   */
  paused?: boolean;
}

interface DelayedEntry {
  at: number;
  handle: unknown;
}

export class WorkQueue {
  readonly #pqueue: PQueue;
  readonly #handler: KeyHandler;
  readonly #backoff: ExponentialBackoff;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #scheduler: Scheduler;
  readonly #metrics: QueueMetricsHooks;
  readonly #onError: WorkQueueOptions['onError'];
  readonly #concurrency: number;
  readonly #maxWaiting: number;
  #waiting = 0;

  /** Keys waiting in p-queue, with the time they were queued. */
  readonly #queued = new Map<string, number>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, DelayedEntry>();
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
    this.#pqueue = new PQueue({ concurrency, autoStart: options.paused !== true });
    this.#concurrency = concurrency;
    this.#maxWaiting = options.maxWaiting ?? 10 * concurrency;
    this.#handler = options.handler;
    this.#backoff = new ExponentialBackoff(options.backoff);
    this.#jitter = options.jitter ?? 0;
    this.#random = options.random ?? Math.random;
    this.#scheduler = options.scheduler ?? realScheduler;
    this.#metrics = options.metrics ?? {};
    this.#onError = options.onError;
  }

  /** Starts processing the keys held since a `paused` construction (a no-op otherwise). */
  start(): void {
    if (!this.#shuttingDown) this.#pqueue.start();
  }

  /** Keys waiting to be processed (not counting delayed or running ones). */
  get depth(): number {
    return this.#queued.size;
  }

  /** Keys being processed now. */
  get active(): number {
    return this.#processing.size;
  }

  /** Keys scheduled for later by `addAfter` or a retry. */
  get delayed(): number {
    return this.#delayed.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Consecutive failures of `key` so far (0 after a success). */
  failures(key: string): number {
    return this.#backoff.failures(key);
  }

  /** Queues `key` now. */
  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#queued.has(key)) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#queued.set(key, this.#scheduler.now());
    this.#metrics.add?.();
    this.#metrics.depth?.(this.#queued.size);
    this.#pqueue
      .add(() => this.#process(key))
      .catch(() => {
        // Only `clear()` on shutdown rejects here (AbortError): #process never throws.
      });
  }

  /** Queues `key` after `ms` (± jitter). Keeps only the earliest pending delay of a key. */
  addAfter(key: string, ms: number): void {
    this.#addAfter(key, this.#jittered(ms));
  }

  #addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    // A waiting key is about to run, and that run will decide the next due time.
    if (this.#queued.has(key)) return;
    const at = this.#scheduler.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing) {
      if (existing.at <= at) return;
      this.#scheduler.clearTimeout(existing.handle);
    }
    const handle = this.#scheduler.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { at, handle });
  }

  #jittered(ms: number): number {
    if (this.#jitter <= 0 || ms <= 0) return ms;
    const factor = 1 + this.#jitter * (2 * this.#random() - 1);
    return Math.max(0, Math.round(ms * factor));
  }

  #cancelDelayed(key: string): void {
    const entry = this.#delayed.get(key);
    if (!entry) return;
    this.#scheduler.clearTimeout(entry.handle);
    this.#delayed.delete(key);
  }

  async #process(key: string): Promise<void> {
    const queuedAt = this.#queued.get(key) ?? this.#scheduler.now();
    this.#queued.delete(key);
    this.#metrics.depth?.(this.#queued.size);
    this.#processing.add(key);
    this.#cancelDelayed(key);
    const startedAt = this.#scheduler.now();
    this.#metrics.latency?.((startedAt - queuedAt) / 1000);
    try {
      const result = await this.#handler(key);
      this.#backoff.forget(key);
      const requeueAfter = result?.requeueAfter;
      if (requeueAfter !== undefined && requeueAfter >= 0) this.addAfter(key, requeueAfter);
    } catch (error) {
      const retryIn = error instanceof RetryAfterError ? error.retryAfterMs : this.#backoff.next(key);
      if (error instanceof RetryAfterError) this.#backoff.next(key);
      this.#metrics.retry?.();
      this.#onError?.(key, error, retryIn);
      this.#addAfter(key, retryIn);
    } finally {
      this.#metrics.workDuration?.((this.#scheduler.now() - startedAt) / 1000);
      this.#processing.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
    }
  }

  /**
   * Runs `work` of a running handler that only waits on others (a health check) outside its
   * slot: while it waits, the queue may start one more key. At most `maxWaiting` at once; past
   * that the work keeps its slot. A handler that resumes after its wait finishes in a slot
   * lent for the moment, so `concurrency` bounds the handlers doing work, give or take those.
   */
  async waiting<R>(work: () => Promise<R>): Promise<R> {
    if (this.#waiting >= this.#maxWaiting) return work();
    this.#waiting++;
    this.#pqueue.concurrency = this.#concurrency + this.#waiting;
    try {
      return await work();
    } finally {
      this.#waiting--;
      this.#pqueue.concurrency = this.#concurrency + this.#waiting;
    }
  }

  /** Resolves when no key is waiting or running (delayed keys do not count). */
  async onIdle(): Promise<void> {
    await this.#pqueue.onIdle();
  }

  /**
   * Stops taking work: drops waiting and delayed keys, then waits for running reconciles, at
   * most `deadlineMs`. Resolves to true when everything running finished in time.
   */
  async shutdown(deadlineMs: number): Promise<boolean> {
    this.#shuttingDown = true;
    for (const key of [...this.#delayed.keys()]) this.#cancelDelayed(key);
    this.#pqueue.clear();
    this.#queued.clear();
    this.#dirty.clear();
    this.#metrics.depth?.(0);
    if (this.#processing.size === 0) return true;
    let timer: unknown;
    const deadline = new Promise<boolean>((resolve) => {
      timer = this.#scheduler.setTimeout(() => resolve(false), deadlineMs);
    });
    const drained = this.#pqueue.onPendingZero().then(() => true);
    const finished = await Promise.race([drained, deadline]);
    this.#scheduler.clearTimeout(timer);
    return finished;
  }
}
