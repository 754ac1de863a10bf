/**
 * An informer: list + watch of one kind into a cache, with handlers for adds, updates and deletes.
 *
 * - The watch resumes from the last resourceVersion seen (events or bookmarks), so a reconnect
 *   replays nothing and loses nothing.
 * - 410 Gone (the version was compacted away) → re-list, diff against the cache and deliver the
 *   adds, updates and deletes that happened during the gap.
 * - Reconnects back off exponentially with jitter; a watchdog restarts a watch that went silent
 *   (no event nor bookmark for `stallTimeoutMs`), since a half-open TCP connection never ends.
 * - Resync re-delivers every cached object as an update, so level-based reconcilers catch up.
 */

import type { ListOptions, ObjectList, WatchEvent, WatchOptions } from '../client/client.ts';
import { errorFromStatus, GoneError } from '../client/errors.ts';
import { isKubeObject, isRecord, type KubeObject, objectKey } from '../client/types.ts';
import { type BackoffDelayOptions, backoffDelay, sleep } from '../retry/index.ts';
import { ObjectCache } from './cache.ts';

/** What an informer needs from a client (the `Client` class has it). */
export interface ListWatcher {
  list(options: ListOptions): Promise<ObjectList>;
  watch(apiVersion: string, kind: string, options: WatchOptions): Promise<AsyncIterable<WatchEvent>>;
}

export interface InformerOptions<T extends KubeObject> {
  apiVersion: string;
  kind: string;
  /** Only this namespace (default: all). */
  namespace?: string | undefined;
  /** Only objects matching this selector (sharding: `--watch-label-selector`). */
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Re-deliver every cached object as an update this often; 0 (default) turns it off. */
  resyncPeriodMs?: number;
  /** Restart a watch that saw neither an event nor a bookmark for this long (default 150 s; the watch cache sends a bookmark about every minute). */
  stallTimeoutMs?: number;
  /** Server-side timeout of each watch request, randomised in [t, 2t] (default 300 s). */
  watchTimeoutSeconds?: number;
  /** Shapes each object before caching; default strips `metadata.managedFields`. `null` keeps all. */
  transform?: ((obj: KubeObject) => T) | null;
  backoff?: BackoffDelayOptions;
  pageSize?: number;
  random?: () => number;
}

export type AddHandler<T> = (obj: T) => void;
export type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
export type DeleteHandler<T> = (obj: T) => void;
export type ErrorHandler = (err: unknown) => void;

/** Counters tests and metrics read. */
export interface InformerStats {
  lists: number;
  watches: number;
  gone: number;
  stalls: number;
  errors: number;
}

/** Drops `metadata.managedFields`, usually the largest part of an object and never needed by a reconciler. */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata.managedFields) delete obj.metadata.managedFields;
  return obj;
}

class StallError extends Error {
  override name = 'StallError';
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly stats: InformerStats = { lists: 0, watches: 0, gone: 0, stalls: 0, errors: 0 };
  readonly #client: ListWatcher;
  readonly #options: InformerOptions<T>;
  readonly #cache = new ObjectCache<T>();
  readonly #transform: (obj: KubeObject) => T;
  readonly #random: () => number;
  readonly #addHandlers: AddHandler<T>[] = [];
  readonly #updateHandlers: UpdateHandler<T>[] = [];
  readonly #deleteHandlers: DeleteHandler<T>[] = [];
  readonly #errorHandlers: ErrorHandler[] = [];
  readonly #syncWaiters: Array<() => void> = [];
  #resourceVersion = '';
  #synced = false;
  #stop: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;

  constructor(client: ListWatcher, options: InformerOptions<T>) {
    this.#client = client;
    this.#options = options;
    this.apiVersion = options.apiVersion;
    this.kind = options.kind;
    const transform = options.transform;
    this.#transform =
      transform === null ? (obj) => obj as T : (transform ?? ((obj) => stripManagedFields(obj) as T));
    this.#random = options.random ?? Math.random;
  }

  onAdd(handler: AddHandler<T>): this {
    this.#addHandlers.push(handler);
    return this;
  }
  onUpdate(handler: UpdateHandler<T>): this {
    this.#updateHandlers.push(handler);
    return this;
  }
  onDelete(handler: DeleteHandler<T>): this {
    this.#deleteHandlers.push(handler);
    return this;
  }
  /** Errors of list/watch (retried) and of handlers (which never stop the informer). */
  onError(handler: ErrorHandler): this {
    this.#errorHandlers.push(handler);
    return this;
  }

  /** True once the first list is in the cache. */
  get hasSynced(): boolean {
    return this.#synced;
  }
  /** The resourceVersion a watch would resume from. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }
  /** A cached object by key (`namespace/name` or `name`). */
  get(key: string): T | undefined {
    return this.#cache.get(key);
  }
  /** Cached objects, all or of one namespace. */
  list(namespace?: string): T[] {
    return this.#cache.list(namespace);
  }
  get size(): number {
    return this.#cache.size;
  }

  /**
   * Starts list+watch in the background; resolves once the cache has synced. Aborting `signal`
   * stops the informer (as `stop()` does).
   */
  start(signal?: AbortSignal): Promise<void> {
    if (!this.#loop) {
      signal?.addEventListener('abort', () => void this.stop(), { once: true });
      this.#stop = new AbortController();
      const stopSignal = this.#stop.signal;
      this.#loop = this.#run(stopSignal);
      const period = this.#options.resyncPeriodMs ?? 0;
      if (period > 0) {
        this.#resyncTimer = setInterval(() => this.resync(), period);
        this.#resyncTimer.unref();
      }
    }
    return this.waitForSync(signal);
  }

  /** Resolves when synced; rejects when the informer is stopped (or the signal aborts) first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stopSignal = this.#stop?.signal;
      const onAbort = (): void => reject(new Error(`informer for ${this.kind} stopped before it synced`));
      if (signal?.aborted || stopSignal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      stopSignal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        stopSignal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.#stop?.abort();
    if (this.#resyncTimer) clearInterval(this.#resyncTimer);
    this.#resyncTimer = undefined;
    await this.#loop;
    this.#loop = undefined;
  }

  /** Re-delivers every cached object as an update (old and new are the same object). */
  resync(): void {
    if (!this.#synced) return;
    for (const obj of this.#cache.list()) this.#emit(this.#updateHandlers, (h) => h(obj, obj));
  }

  async #run(stop: AbortSignal): Promise<void> {
    let attempt = 0;
    let needList = true;
    while (!stop.aborted) {
      let progressed = false;
      try {
        if (needList) {
          await this.#relist(stop);
          needList = false;
          progressed = true;
        }
        progressed = (await this.#watch(stop)) || progressed;
      } catch (err) {
        if (stop.aborted) break;
        if (err instanceof GoneError) {
          // The resume point was compacted away: only a fresh list can tell what changed.
          this.stats.gone++;
          needList = true;
          continue;
        }
        if (err instanceof StallError) {
          this.stats.stalls++;
          this.#report(err);
          continue;
        }
        this.stats.errors++;
        this.#report(err);
        progressed = false;
      }
      if (progressed) attempt = 0;
      else await sleep(backoffDelay(attempt++, this.#options.backoff, this.#random), stop);
    }
  }

  async #relist(stop: AbortSignal): Promise<void> {
    this.stats.lists++;
    const { apiVersion, kind, namespace, labelSelector, fieldSelector } = this.#options;
    const list = await this.#client.list({
      apiVersion,
      kind,
      namespace,
      labelSelector,
      fieldSelector,
      limit: this.#options.pageSize ?? 500,
      signal: stop,
    });
    const objects = list.items.map((obj) => this.#transform(obj));
    const { added, updated, deleted } = this.#cache.replace(objects);
    this.#resourceVersion = list.resourceVersion;
    for (const obj of added) this.#emit(this.#addHandlers, (h) => h(obj));
    for (const [oldObj, newObj] of updated) this.#emit(this.#updateHandlers, (h) => h(oldObj, newObj));
    for (const obj of deleted) this.#emit(this.#deleteHandlers, (h) => h(obj));
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter();
    }
  }

  /** One watch request; returns whether it delivered anything. Throws Gone, Stall or transport errors. */
  async #watch(stop: AbortSignal): Promise<boolean> {
    if (stop.aborted) return false;
    this.stats.watches++;
    const watchAbort = new AbortController();
    const onStop = (): void => watchAbort.abort();
    stop.addEventListener('abort', onStop, { once: true });
    const stallMs = this.#options.stallTimeoutMs ?? 150_000;
    let stalled = false;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        watchAbort.abort();
      }, stallMs);
    };
    const base = this.#options.watchTimeoutSeconds ?? 300;
    let delivered = false;
    try {
      arm();
      const events = await this.#client.watch(this.apiVersion, this.kind, {
        namespace: this.#options.namespace,
        labelSelector: this.#options.labelSelector,
        fieldSelector: this.#options.fieldSelector,
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.round(base + this.#random() * base),
        signal: watchAbort.signal,
      });
      for await (const event of events) {
        arm();
        this.#handle(event);
        delivered = true;
      }
    } catch (err) {
      if (stalled) throw new StallError(`watch of ${this.kind} was silent for ${stallMs} ms; restarting it`);
      throw err;
    } finally {
      clearTimeout(watchdog);
      stop.removeEventListener('abort', onStop);
      watchAbort.abort();
    }
    if (stalled) throw new StallError(`watch of ${this.kind} was silent for ${stallMs} ms; restarting it`);
    return delivered;
  }

  #handle(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = isRecord(event.object) ? event.object : {};
      const code = typeof status.code === 'number' ? status.code : 500;
      throw errorFromStatus(code, status, `watch ${this.kind}`);
    }
    const raw = event.object;
    if (!isKubeObject(raw)) return;
    const rv = raw.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.#resourceVersion = rv;
      return;
    }
    raw.apiVersion = this.apiVersion;
    raw.kind = this.kind;
    const obj = this.#transform(raw);
    if (event.type === 'DELETED') {
      const old = this.#cache.delete(objectKey(obj));
      this.#emit(this.#deleteHandlers, (h) => h(old ?? obj));
    } else {
      const old = this.#cache.set(obj);
      if (old) this.#emit(this.#updateHandlers, (h) => h(old, obj));
      else this.#emit(this.#addHandlers, (h) => h(obj));
    }
    if (rv) this.#resourceVersion = rv;
  }

  /** Calls each handler on its own: one that throws neither stops the others nor the informer. */
  #emit<H>(handlers: H[], call: (handler: H) => void): void {
    for (const handler of handlers) {
      try {
        call(handler);
      } catch (err) {
        this.#report(err);
      }
    }
  }

  #report(err: unknown): void {
    for (const handler of this.#errorHandlers) {
      try {
        handler(err);
      } catch {
        // an error handler that throws has nowhere left to report to
      }
    }
  }
}
