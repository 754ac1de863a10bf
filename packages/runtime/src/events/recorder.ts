/**
 * Records Kubernetes Events (events.k8s.io/v1) about weft objects. These are what
 * notification-controller routes, so each carries the source revision and a summary in
 * annotations.
 *
 * Repeats are folded into a series, as the events.k8s.io/v1 API intends: the same
 * (object, type, reason, note) seen again within `seriesWindowMs` of its last occurrence updates
 * the existing Event's `series.count` (total occurrences) and `series.lastObservedTime` instead
 * of creating another Event. The cache of recent Events is bounded (least recently used first
 * out). Recording never throws into a reconcile: failures go to `onError`.
 *
 * With `queue`, recording does not wait for the API server either: `record` resolves at once and
 * the writes run in the background, `concurrency` at a time, in order per series. An Event is a
 * report, not part of the reconcile's result, so a reconcile should not spend a round trip (or a
 * slow apiserver's seconds) on it. The queue is bounded: an Event recorded while `limit` writes
 * are waiting or in flight is dropped and counted (`dropped`, `onDrop`), so a flood of Events
 * from many failing objects costs memory up to the limit and never blocks a reconcile.
 */
import { Annotation } from '@weft/api';
import { isNotFound } from '../client/errors.ts';
import type { EventSink, EventType, KubeEvent } from './types.ts';

export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string | undefined;
    namespace?: string | undefined;
    uid?: string | undefined;
    resourceVersion?: string | undefined;
  };
}

export interface EventInput {
  type: EventType;
  /** CamelCase, machine-readable (≤128 chars), e.g. `ReconciliationSucceeded`. */
  reason: string;
  /** Human-readable; truncated to the API's 1 kB limit. */
  note: string;
  /** What was done, e.g. `Reconcile`, `Apply`, `Prune` (default `Reconcile`). */
  action?: string;
  /** Source revision the event is about (`main@sha1:…`). */
  revision?: string;
  /** Summary of what changed. */
  summary?: string;
  /** Groups events of one reconcile. */
  token?: string;
}

export interface EventRecorderOptions {
  sink: EventSink;
  /** The controller's name, e.g. `weft.dev/source-controller`. */
  reportingController: string;
  /** This instance, e.g. the pod name. */
  reportingInstance: string;
  /** Repeats within this time of the last occurrence extend a series (default 6 min, as client-go). */
  seriesWindowMs?: number;
  /** Entries kept to detect repeats (default 4096). */
  cacheSize?: number;
  now?: () => number;
  onError?: (error: unknown, event: KubeEvent) => void;
  /** Write in the background instead of resolving once written (see the module comment). */
  queue?: EventQueueOptions;
  /** An Event the full queue dropped. */
  onDrop?: (event: KubeEvent) => void;
}

export interface EventQueueOptions {
  /** Writes waiting or in flight at most; more Events are dropped (default 1024). */
  limit?: number;
  /** Writes in flight at once (default 4). */
  concurrency?: number;
}

interface SeriesEntry {
  name: string | undefined;
  namespace: string;
  count: number;
  lastObserved: number;
  /** The last write for this entry; the next one waits for it, so writes stay in order. */
  pending: Promise<void>;
}

/** MicroTime: RFC 3339 with microsecond precision, as events.k8s.io/v1 wants. */
export function formatMicroTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, -1)}000Z`;
}

const noteLimit = 1024;

function truncate(text: string, limit: number): string {
  if (Buffer.byteLength(text) <= limit) return text;
  let out = text.slice(0, limit);
  while (Buffer.byteLength(out) > limit - 3) out = out.slice(0, -1);
  return `${out}...`;
}

/**
 * `<object>.<hex nanoseconds>`, as client-go names Events. Not `generateName: '<object>.'`: the
 * API server rejects a generateName ending in a dot. Names that are no DNS subdomain (RBAC
 * objects may contain ':') are made into one.
 */
function eventName(objectName: string, nowMs: number): string {
  let base = objectName
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .slice(0, 253 - 1 - 16);
  base = base.replace(/^[^a-z0-9]+/, '').replace(/[^a-z0-9]+$/, '');
  const nanos = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return `${base || 'event'}.${nanos.toString(16)}`;
}

export class EventRecorder {
  readonly #sink: EventSink;
  readonly #controller: string;
  readonly #instance: string;
  readonly #windowMs: number;
  readonly #cacheSize: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown, event: KubeEvent) => void;
  readonly #cache = new Map<string, SeriesEntry>();
  readonly #queue: { limit: number; concurrency: number } | undefined;
  readonly #onDrop: (event: KubeEvent) => void;
  /** Writes queued or in flight (queue mode). */
  readonly #outstanding = new Set<Promise<void>>();
  #writing = 0;
  readonly #slotWaiters: (() => void)[] = [];
  #dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#sink = options.sink;
    this.#controller = options.reportingController;
    this.#instance = truncate(options.reportingInstance, 128);
    this.#windowMs = options.seriesWindowMs ?? 6 * 60 * 1000;
    this.#cacheSize = Math.max(1, options.cacheSize ?? 4096);
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
    this.#onDrop = options.onDrop ?? (() => {});
    if (options.queue) {
      this.#queue = {
        limit: Math.max(1, options.queue.limit ?? 1024),
        concurrency: Math.max(1, options.queue.concurrency ?? 4),
      };
    }
  }

  /** Events dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Writes waiting or in flight (always 0 without a queue once each record resolved). */
  get queued(): number {
    return this.#outstanding.size;
  }

  /** Resolves once every Event recorded so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.#outstanding.size > 0) await Promise.all([...this.#outstanding]);
  }

  /** Entries in the repeat cache. */
  get cached(): number {
    return this.#cache.size;
  }

  normal(obj: EventSubject, reason: string, note: string, extra: Partial<EventInput> = {}): Promise<void> {
    return this.record(obj, { ...extra, type: 'Normal', reason, note });
  }

  warning(obj: EventSubject, reason: string, note: string, extra: Partial<EventInput> = {}): Promise<void> {
    return this.record(obj, { ...extra, type: 'Warning', reason, note });
  }

  /**
   * Writes the event (or extends its series). Resolves once written, or with `queue` once
   * queued; never rejects.
   */
  record(obj: EventSubject, input: EventInput): Promise<void> {
    const event = this.#build(obj, input);
    const key = JSON.stringify([
      obj.metadata.uid ?? '',
      obj.apiVersion,
      obj.kind,
      event.regarding.namespace ?? '',
      event.regarding.name,
      event.type,
      event.reason,
      event.note,
    ]);
    const now = this.#now();
    const existing = this.#cache.get(key);
    if (existing) this.#cache.delete(key);
    if (existing && now - existing.lastObserved <= this.#windowMs) {
      // Counted even when its write is dropped: the next write of the series carries the count.
      existing.count += 1;
      existing.lastObserved = now;
      this.#cache.set(key, existing);
      const after = existing.pending;
      return this.#write(event, (write) => {
        existing.pending = after.then(() => write(() => this.#extend(existing, event)));
        return existing.pending;
      });
    }
    if (this.#full()) return this.#drop(event);
    const entry: SeriesEntry = {
      name: undefined,
      namespace: event.metadata.namespace,
      count: 1,
      lastObserved: now,
      pending: Promise.resolve(),
    };
    this.#cache.set(key, entry);
    this.#evict();
    return this.#write(event, (write) => {
      entry.pending = write(() => this.#create(entry, event));
      return entry.pending;
    });
  }

  #full(): boolean {
    return this.#queue !== undefined && this.#outstanding.size >= this.#queue.limit;
  }

  #drop(event: KubeEvent): Promise<void> {
    this.#dropped += 1;
    this.#onDrop(event);
    return Promise.resolve();
  }

  /**
   * Without a queue: starts the write and returns it. With one: `start` chains the write behind
   * the series' last one, through a concurrency slot; it is tracked until done and the caller
   * gets a resolved promise.
   */
  #write(
    event: KubeEvent,
    start: (write: (work: () => Promise<void>) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    if (this.#queue === undefined) return start((work) => work());
    if (this.#full()) return this.#drop(event);
    const done = start((work) => this.#inSlot(work));
    this.#outstanding.add(done);
    void done.finally(() => this.#outstanding.delete(done));
    return Promise.resolve();
  }

  async #inSlot(work: () => Promise<void>): Promise<void> {
    const limit = this.#queue?.concurrency ?? 1;
    while (this.#writing >= limit) await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    this.#writing += 1;
    try {
      await work();
    } finally {
      this.#writing -= 1;
      this.#slotWaiters.shift()?.();
    }
  }

  #evict(): void {
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (oldest.done) return;
      this.#cache.delete(oldest.value);
    }
  }

  #build(obj: EventSubject, input: EventInput): KubeEvent {
    const name = obj.metadata.name ?? '';
    const namespace = obj.metadata.namespace || 'default';
    const annotations: Record<string, string> = {};
    if (input.revision) annotations[Annotation.EventRevision] = input.revision;
    if (input.summary) annotations[Annotation.EventSummary] = input.summary;
    if (input.token) annotations[Annotation.EventToken] = input.token;
    const regarding: KubeEvent['regarding'] = { apiVersion: obj.apiVersion, kind: obj.kind, name };
    if (obj.metadata.namespace) regarding.namespace = obj.metadata.namespace;
    if (obj.metadata.uid) regarding.uid = obj.metadata.uid;
    if (obj.metadata.resourceVersion) regarding.resourceVersion = obj.metadata.resourceVersion;
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: eventName(name, this.#now()),
        namespace,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      eventTime: formatMicroTime(this.#now()),
      reportingController: this.#controller,
      reportingInstance: this.#instance,
      action: truncate(input.action ?? 'Reconcile', 128),
      reason: truncate(input.reason, 128),
      note: truncate(input.note, noteLimit),
      type: input.type,
      regarding,
    };
  }

  async #create(entry: SeriesEntry, event: KubeEvent): Promise<void> {
    const body: KubeEvent =
      entry.count > 1
        ? { ...event, series: { count: entry.count, lastObservedTime: formatMicroTime(entry.lastObserved) } }
        : event;
    try {
      const created = await this.#sink.create(entry.namespace, body);
      entry.name = created.name;
    } catch (error) {
      this.#onError(error, body);
    }
  }

  async #extend(entry: SeriesEntry, event: KubeEvent): Promise<void> {
    if (entry.name === undefined) return this.#create(entry, event);
    const series = { count: entry.count, lastObservedTime: formatMicroTime(entry.lastObserved) };
    try {
      await this.#sink.patch(entry.namespace, entry.name, { series });
    } catch (error) {
      // The Event expired or was deleted: start a new one that keeps the count.
      if (isNotFound(error)) return this.#create(entry, event);
      this.#onError(error, event);
    }
  }
}
