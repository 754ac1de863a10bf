/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package:
 *
 * - a candidate takes the lease when nobody holds it, or when the record it last saw has not
 *   changed for `leaseDuration` (measured on the candidate's own clock, never by comparing the
 *   holder's timestamps, so clock skew between nodes does not matter);
 * - the leader renews every `retryPeriod`; if it cannot renew for `renewDeadline` it stops
 *   leading (and the manager exits, as controller-runtime does);
 * - on shutdown the leader releases the lease (empty holder), so a standby takes over at its
 *   next retry instead of waiting for the lease to expire.
 * Writes use the lease's resourceVersion, so two candidates can never both win a round.
 */
import type { Scheduler } from '../queue/scheduler.ts';
import { realScheduler } from '../queue/scheduler.ts';

export interface LeaseRecord {
  /** '' when released. */
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** MicroTime strings. */
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  /** resourceVersion: an update carries it and fails on a concurrent change. */
  version: string;
}

/** Where the lease lives; the Kubernetes implementation is `KubeLeaseStore`. */
export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  /** Rejects when the lease already exists. */
  create(record: LeaseRecord): Promise<void>;
  /** Rejects when `version` is not the current one. */
  update(record: LeaseRecord, version: string): Promise<void>;
  /** `namespace/name`, for logs. */
  readonly description: string;
}

export interface LeaderElectionOptions {
  store: LeaseStore;
  /** Unique per process, e.g. `<hostname>_<uuid>`. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  scheduler?: Scheduler;
  /** For the jitter of retries while waiting to lead (client-go: up to +20%). */
  random?: () => number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  onError?: (error: unknown) => void;
}

function microTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, -1)}000Z`;
}

export class LeaderElector {
  readonly identity: string;
  readonly #store: LeaseStore;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #scheduler: Scheduler;
  readonly #random: () => number;
  readonly #options: LeaderElectionOptions;

  #observed: StoredLease | undefined;
  #observedAt = 0;
  #leader = false;
  #lastRenew = 0;
  #reportedLeader: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.identity = options.identity;
    this.#store = options.store;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.#scheduler = options.scheduler ?? realScheduler;
    this.#random = options.random ?? Math.random;
    this.#options = options;
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs && this.#renewDeadlineMs > this.#retryPeriodMs)) {
      throw new RangeError('leader election needs leaseDuration > renewDeadline > retryPeriod');
    }
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** The holder of the lease as last seen ('' when free or unknown). */
  get observedLeader(): string {
    return this.#observed?.record.holderIdentity ?? '';
  }

  /** One round: takes or renews the lease. Resolves to whether this candidate holds it now. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#scheduler.now();
    let current: StoredLease | undefined;
    try {
      current = await this.#store.get();
    } catch (error) {
      this.#options.onError?.(error);
      return false;
    }
    const fresh: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (!current) {
      try {
        await this.#store.create(fresh);
      } catch (error) {
        this.#options.onError?.(error);
        return false;
      }
      this.#observe({ record: fresh, version: '' }, now);
      return true;
    }

    if (!this.#observed || JSON.stringify(this.#observed.record) !== JSON.stringify(current.record)) {
      this.#observe(current, now);
    } else {
      this.#observed = current;
    }
    const held = current.record.holderIdentity;
    const heldByUs = held === this.identity;
    const expired = now >= this.#observedAt + current.record.leaseDurationSeconds * 1000;
    if (held !== '' && !heldByUs && !expired) return false;

    const next: LeaseRecord = heldByUs
      ? { ...current.record, renewTime: microTime(now), leaseDurationSeconds: fresh.leaseDurationSeconds }
      : { ...fresh, leaseTransitions: current.record.leaseTransitions + 1 };
    try {
      await this.#store.update(next, current.version);
    } catch (error) {
      this.#options.onError?.(error);
      return false;
    }
    this.#observe({ record: next, version: current.version }, now);
    return true;
  }

  #observe(lease: StoredLease, now: number): void {
    this.#observed = lease;
    this.#observedAt = now;
    const holder = lease.record.holderIdentity;
    if (holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      if (holder !== '') this.#options.onNewLeader?.(holder);
    }
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const handle = this.#scheduler.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        this.#scheduler.clearTimeout(handle);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Campaigns until leading, then renews until the lease is lost or `signal` aborts (then the
   * lease is released). Resolves when it stops leading or is stopped.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await this.#sleep(this.#retryPeriodMs * (1 + 0.2 * this.#random()), signal);
    }
    if (signal.aborted) return;
    this.#leader = true;
    this.#lastRenew = this.#scheduler.now();
    this.#options.onStartedLeading?.();

    while (!signal.aborted) {
      await this.#sleep(this.#retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        this.#lastRenew = this.#scheduler.now();
      } else if (this.#scheduler.now() - this.#lastRenew >= this.#renewDeadlineMs) {
        this.#leader = false;
        this.#options.onStoppedLeading?.();
        return;
      }
    }
    await this.release();
  }

  /** Gives the lease up (only when held), so a standby can take it at once. */
  async release(): Promise<void> {
    if (!this.#leader) return;
    this.#leader = false;
    const observed = this.#observed;
    if (!observed || observed.record.holderIdentity !== this.identity) return;
    const now = this.#scheduler.now();
    const released: LeaseRecord = {
      ...observed.record,
      holderIdentity: '',
      leaseDurationSeconds: 1,
      renewTime: microTime(now),
    };
    try {
      const current = await this.#store.get();
      if (current?.record.holderIdentity !== this.identity) return;
      await this.#store.update(released, current.version);
    } catch (error) {
      this.#options.onError?.(error);
    }
    this.#options.onStoppedLeading?.();
  }
}

/** An in-memory LeaseStore: for tests, and for processes that share one store. */
export class MemoryLeaseStore implements LeaseStore {
  readonly description = 'memory/lease';
  #lease: StoredLease | undefined;
  #version = 0;

  async get(): Promise<StoredLease | undefined> {
    return this.#lease && { record: { ...this.#lease.record }, version: this.#lease.version };
  }

  async create(record: LeaseRecord): Promise<void> {
    if (this.#lease) throw new Error('lease already exists');
    this.#lease = { record: { ...record }, version: String(++this.#version) };
  }

  async update(record: LeaseRecord, version: string): Promise<void> {
    if (!this.#lease || this.#lease.version !== version) throw new Error('conflict: the lease changed');
    this.#lease = { record: { ...record }, version: String(++this.#version) };
  }
}
