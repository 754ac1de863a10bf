/**
 * The Manager owns the process of a controller: flags, logger, metrics registry, the probes
 * and metrics server, the event recorder, leader election and graceful shutdown. A controller
 * package builds one, registers its reconcilers (with their informer and client) and starts it.
 *
 * It owns the shared cache (`manager.cache`: one informer per kind and scope for the process)
 * and the runnables a controller adds beside its reconcilers (an artifact server, a webhook
 * receiver, an event dispatcher), so one place starts and stops everything, in this order:
 *
 *   start()         probes server; informers and runnables that are not leader-only
 *   leading         leader-only informers → wait for those the reconcilers read to sync →
 *                   controllers' queues → leader-only runnables → informers that start after
 *                   the others synced (e.g. Events judged against the Alerts)
 *   stop / signal   informers; then queues drained and runnables stopped, up to
 *                   `--graceful-shutdown-timeout`; the lease released; the servers closed
 *
 * A standby does no leader-only work and holds no leader-only cache. Losing the lease stops the
 * leader-only informers at once and then the process (exit code 1), as controller-runtime does:
 * a restarted process campaigns again with a clean state. The runnables are kept in
 * runnables.ts, the elector is wired in election.ts, the options are in options.ts.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type CacheEntry, cacheKind, SharedCache } from '../cache/shared-cache.ts';
import { Client } from '../client/client.ts';
import type { KubeConfigLike } from '../client/kubeconfig.ts';
import type { KubeObject } from '../client/types.ts';
import { KubeEventSink } from '../events/kube-sink.ts';
import { EventRecorder } from '../events/recorder.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { ControllerMetrics } from '../metrics/controller.ts';
import { registerProcessMetrics } from '../metrics/process.ts';
import { Registry } from '../metrics/registry.ts';
import { Controller } from '../reconcile/controller.ts';
import type { InformerLike } from '../reconcile/types.ts';
import { managerElector } from './election.ts';
import { type RuntimeFlags, watchNamespace } from './flags.ts';
import { KubeLeaseStore } from './kube-lease-store.ts';
import type { LeaderElector } from './leader-election.ts';
import { type AddControllerOptions, loadKubeConfig, type ManagerOptions } from './options.ts';
import { Checks, ProbesServer } from './probes.ts';
import { type Runnable, Runnables } from './runnables.ts';

export type { Runnable };
export { type AddControllerOptions, loadKubeConfig, type ManagerOptions };

type State = 'new' | 'running' | 'stopping' | 'stopped';

export class Manager {
  readonly name: string;
  readonly flags: RuntimeFlags;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: ControllerMetrics;
  readonly events: EventRecorder;
  readonly healthz = new Checks();
  readonly readyz = new Checks();
  readonly probes: ProbesServer;
  readonly identity: string;
  /** The process's informers, one per kind and scope: what controllers watch and read. */
  readonly cache: SharedCache;

  readonly #options: ManagerOptions;
  readonly #controllers: Controller<KubeObject>[] = [];
  /** Informers given to addController instead of the cache's (leader-only, synced first). */
  readonly #informers = new Set<InformerLike<KubeObject>>();
  readonly #runnables = new Runnables();
  readonly #startedEntries = new Set<CacheEntry>();
  readonly #stop = new AbortController();
  readonly #elector: LeaderElector | undefined;
  #electorStop = new AbortController();
  #electionLoop: Promise<void> | undefined;
  #state: State = 'new';
  #leading = false;
  // Settles true when this process starts leading, false when it stops without having led.
  readonly #elected = Promise.withResolvers<boolean>();
  #kubeConfig: KubeConfigLike | undefined;
  #baseClient: Client | undefined;

  constructor(options: ManagerOptions) {
    this.#options = options;
    this.name = options.name;
    this.flags = options.flags;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.logger =
      options.logger ?? createLogger({ level: options.flags.logLevel, base: { controller: options.name } });
    this.registry = options.registry ?? new Registry();
    if (options.processMetrics !== false) registerProcessMetrics(this.registry);
    this.metrics = new ControllerMetrics(this.registry);
    this.#kubeConfig = options.kubeConfig;
    this.cache = new SharedCache(() => options.cacheClient ?? this.#client());
    this.events = new EventRecorder({
      sink: options.eventSink ?? new KubeEventSink(this.#requireKubeConfig('events')),
      reportingController: `weft.dev/${options.name}`,
      reportingInstance: this.identity,
      onError: (error, event) =>
        this.logger.warn(
          { err: error, reason: event.reason, regarding: event.regarding },
          'failed to record event',
        ),
      // The background queue (`queue: { limit, concurrency }`: reconciles would not wait for their
      // Events) is off until every package's e2e has run with it: tests read Events right after Ready.
    });
    const events = this.events;
    this.registry.counter({
      name: 'weft_events_dropped_total',
      help: 'Events not written because the event queue was full.',
      collect: (counter) => counter.setTotal(undefined, events.dropped),
    });
    this.probes = new ProbesServer({
      metricsAddr: options.flags.metricsAddr,
      healthAddr: options.flags.healthAddr,
      registry: this.registry,
      healthz: this.healthz,
      readyz: this.readyz,
    });
    this.healthz.add('ping', () => undefined);
    this.readyz.add('informers', () => {
      if (!this.#leading) return;
      const pending =
        [...this.#informers].filter((i) => !i.hasSynced).length +
        [...this.#startedEntries].filter((e) => e.waitForSync && !e.informer.hasSynced).length;
      return pending > 0 ? `${pending} informer(s) not synced` : undefined;
    });
    if (options.flags.enableLeaderElection) {
      const store =
        options.leaseStore ??
        new KubeLeaseStore(
          this.#requireKubeConfig('leader election'),
          options.flags.leaderElectionNamespace,
          options.flags.leaderElectionId,
        );
      this.#elector = managerElector({
        flags: options.flags,
        store,
        identity: this.identity,
        logger: this.logger,
        scheduler: options.scheduler,
        random: options.random,
        onStartedLeading: () => void this.#startControllers(),
        onStoppedLeading: () => this.#lostLease(),
      });
    }
  }

  #requireKubeConfig(what: string): KubeConfigLike {
    this.#kubeConfig ??= loadKubeConfig(this.#options.flags);
    if (!this.#kubeConfig) throw new Error(`manager ${this.name}: ${what} needs a kubeconfig`);
    return this.#kubeConfig;
  }

  /** A client of the manager's kubeconfig that writes as `fieldManager` (default: the manager's name). */
  client(fieldManager: string = this.name): Client {
    return this.#client().withFieldManager(fieldManager);
  }

  // One transport and discovery cache for the process: the cache's informers and the
  // controllers' clients share its connections.
  #client(): Client {
    this.#baseClient ??= new Client(this.#requireKubeConfig('a client'), { fieldManager: this.name });
    return this.#baseClient;
  }

  /** Aborted when the manager stops; reconcilers receive it. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Whether this process runs the controllers (always true without leader election). */
  get leading(): boolean {
    return this.#leading;
  }

  /**
   * Resolves true once this process leads (at once without leader election), false if it stops
   * first. For work beside the controllers that only the leader may do, such as serving
   * webhooks or sending notifications.
   */
  elected(): Promise<boolean> {
    return this.#elected.promise;
  }

  get controllers(): readonly Controller<KubeObject>[] {
    return this.#controllers;
  }

  addController<T extends KubeObject>(options: AddControllerOptions<T>): Controller<T> {
    if (this.#state !== 'new') throw new Error(`manager ${this.name}: add controllers before start()`);
    const flags = this.flags;
    const informer =
      options.informer ??
      this.cache.informer<T>(cacheKind<T>(options.reconciler.apiVersion, options.reconciler.kind), {
        namespace: watchNamespace(flags),
        labelSelector: flags.watchLabelSelector,
      });
    const controller = new Controller<T>({
      name: options.name ?? options.reconciler.kind.toLowerCase(),
      reconciler: options.reconciler,
      informer,
      client: options.client,
      events: this.events,
      logger: this.logger,
      metrics: this.metrics,
      concurrency: flags.concurrent,
      backoff: { baseMs: flags.minRetryDelayMs, maxMs: flags.maxRetryDelayMs },
      jitter: flags.intervalJitterPercentage / 100,
      signal: this.#stop.signal,
      // Nothing is reconciled before the caches the reconciler reads have synced.
      paused: true,
      ...(this.#options.scheduler ? { scheduler: this.#options.scheduler } : {}),
      ...(this.#options.random ? { random: this.#options.random } : {}),
      ...(options.updatePredicate ? { updatePredicate: options.updatePredicate } : {}),
    });
    controller.watch();
    this.#controllers.push(controller as unknown as Controller<KubeObject>);
    // An informer of the cache is the cache's to start; any other the manager starts itself.
    const fromCache = this.cache.entries.some((e) => e.informer === (informer as unknown));
    if (!fromCache) this.#informers.add(informer as unknown as InformerLike<KubeObject>);
    return controller;
  }

  /** Adds work the manager starts and stops with the controllers (see `Runnable`). */
  add(runnable: Runnable): void {
    if (this.#state !== 'new') throw new Error(`manager ${this.name}: add runnables before start()`);
    this.#runnables.add(runnable);
  }

  #startRunnables(leaderOnly: boolean): Promise<void> {
    return this.#runnables.start(leaderOnly, this.#stop.signal, () => this.#state === 'running');
  }

  /** Starts the cache's informers of one kind; resolves once those reconcilers wait for synced. */
  async #startInformers(select: (entry: CacheEntry) => boolean): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const entry of this.cache.entries) {
      if (!select(entry) || this.#startedEntries.has(entry)) continue;
      this.#startedEntries.add(entry);
      const synced = entry.informer.start(this.#stop.signal).catch((error: unknown) => {
        if (!this.#stop.signal.aborted)
          this.logger.error({ err: error, kind: entry.informer.kind }, 'informer failed to start');
      });
      if (entry.waitForSync) waits.push(synced);
    }
    await Promise.all(waits);
  }

  /** Starts the servers, then leads (or campaigns for the lease) and runs the controllers. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`manager ${this.name} was already started`);
    this.#state = 'running';
    await this.probes.start();
    this.logger.info(
      {
        metrics: this.probes.addresses.metrics,
        health: this.probes.addresses.health,
        identity: this.identity,
      },
      'manager started',
    );
    await this.#startInformers((e) => !e.leaderOnly && !e.startAfterSync);
    await this.#startRunnables(false);
    await this.#startInformers((e) => !e.leaderOnly);
    if (this.#elector) {
      this.#electionLoop = this.#elector.run(this.#electorStop.signal);
    } else {
      await this.#startControllers();
    }
  }

  async #startControllers(): Promise<void> {
    if (this.#state !== 'running' || this.#leading) return;
    this.#leading = true;
    this.#elected.resolve(true);
    const starts = [...this.#informers].map((informer) =>
      informer.start(this.#stop.signal).catch((error: unknown) => {
        if (!this.#stop.signal.aborted) this.logger.error({ err: error }, 'informer failed to start');
      }),
    );
    await Promise.all([...starts, this.#startInformers((e) => e.leaderOnly && !e.startAfterSync)]);
    if (this.#state !== 'running') return;
    this.logger.info(
      { controllers: this.#controllers.map((c) => c.name), informers: this.#startedEntries.size },
      'caches synced',
    );
    for (const controller of this.#controllers) controller.start();
    try {
      await this.#startRunnables(true);
    } catch (error) {
      this.logger.error({ err: error }, 'failed to start: stopping');
      void this.#shutdown(0).then(() => this.#options.exit?.(1));
      return;
    }
    await this.#startInformers((e) => e.leaderOnly);
  }

  /** Leader-only informers stop as soon as the lease is lost: another process may lead already. */
  async #stopLeaderOnlyInformers(): Promise<void> {
    await Promise.all(
      [...this.#startedEntries].filter((e) => e.leaderOnly).map((e) => e.informer.stop().catch(() => {})),
    );
  }

  #lostLease(): void {
    if (this.#state !== 'running') return;
    this.logger.error('lost the leader election lease: stopping');
    // Another process may lead already: do not wait for running reconciles (controller-runtime
    // drops the graceful shutdown timeout to zero here too), abort them at once.
    void this.#stopLeaderOnlyInformers()
      .then(() => this.#shutdown(0))
      .then(() => this.#options.exit?.(1));
  }

  /**
   * Stops informers, drains the queues (up to --graceful-shutdown-timeout), releases the lease
   * and closes the servers. Resolves to whether every running reconcile finished in time.
   */
  stop(): Promise<boolean> {
    return this.#shutdown(this.flags.gracefulShutdownTimeoutMs);
  }

  async #shutdown(deadlineMs: number): Promise<boolean> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return true;
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    this.logger.info('shutting down');
    await Promise.all(
      [...this.#informers, ...[...this.#startedEntries].map((e) => e.informer)].map((i) =>
        i.stop().catch(() => {}),
      ),
    );
    const drained = await Promise.all([
      ...this.#controllers.map((c) => c.shutdown(deadlineMs)),
      ...this.#runnables.stop(deadlineMs, this.logger),
    ]);
    // What the last reconciles reported, within the same deadline.
    await Promise.race([
      this.events.flush(),
      new Promise((resolve) => setTimeout(resolve, deadlineMs).unref()),
    ]);
    const allDrained = drained.every(Boolean);
    if (!allDrained) this.logger.warn('shutdown deadline passed with reconciles still running');
    // Reconciles still running past the deadline get their signal aborted.
    this.#stop.abort();
    this.#electorStop.abort();
    await this.#electionLoop;
    this.#leading = false;
    if (wasRunning) await this.probes.stop();
    this.#state = 'stopped';
    this.#elected.resolve(false); // no-op when it led
    this.logger.info('stopped');
    return allDrained;
  }

  /** Stops on SIGTERM or SIGINT, then exits (0 when drained in time, else 1). */
  handleSignals(target: Pick<NodeJS.Process, 'once'> = process): void {
    const onSignal = (signal: string) => {
      this.logger.info({ signal }, 'signal received');
      void this.stop().then((drained) => this.#options.exit?.(drained ? 0 : 1));
    };
    target.once('SIGTERM', () => onSignal('SIGTERM'));
    target.once('SIGINT', () => onSignal('SIGINT'));
  }
}
