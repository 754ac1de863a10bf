/**
 * notification-controller as one object: a Manager with the Provider, Alert and Receiver
 * reconcilers, the event dispatcher over an Event informer, and the Receiver HTTP server. The
 * dispatcher and the receiver server run only where the controllers run (on the leader), and
 * start after the Alert and Provider caches have synced, so no event is judged against an
 * empty list of Alerts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { AlertKind, NotificationApiVersion, ProviderKind, ReceiverKind } from '@weft/api';
import { Client, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { Informer } from '@weft/runtime/informer';
import type { Logger } from '@weft/runtime/log';
import { loadKubeConfig, Manager, type RuntimeFlags, watchNamespace } from '@weft/runtime/manager';
import type { Registry } from '@weft/runtime/metrics';
import type { Controller } from '@weft/runtime/reconcile';
import { Dispatcher } from './dispatcher.ts';
import { slimEvent } from './event/event.ts';
import { LabelCache } from './event/labels.ts';
import type { AlertObject, ProviderObject, ReceiverObject } from './objects.ts';
import { ProviderConfigError } from './provider/config.ts';
import { DeliveryError, HttpSender } from './provider/http.ts';
import { ReceiverServer } from './receiver/server.ts';
import { AlertReconciler } from './reconcilers/alert.ts';
import { DeliveryHealth, ProviderReconciler } from './reconcilers/provider.ts';
import { ReceiverReconciler } from './reconcilers/receiver.ts';
import { secretReader } from './secrets.ts';

export const controllerName = 'notification-controller';

export interface NotificationControllerOptions {
  flags: RuntimeFlags;
  /** `host:port` or `:port` of the Receiver server; '' or '0' turns it off (default `:9292`). */
  receiverAddr?: string;
  /** Identical events through one Alert within this window go out once (default 5 min). */
  eventRateLimitWindowMs?: number;
  /** Events delivered at once (default 16). */
  deliveryConcurrency?: number;
  /** First delay of a provider request's retries (default 500 ms). */
  retryBaseMs?: number;
  kubeConfig?: KubeConfig;
  logger?: Logger;
  registry?: Registry;
  exit?: (code: number) => void;
}

export class NotificationController {
  readonly manager: Manager;
  readonly client: Client;
  readonly dispatcher: Dispatcher;
  readonly receiverServer: ReceiverServer;
  readonly providers: Informer<ProviderObject>;
  readonly alerts: Informer<AlertObject>;
  readonly receivers: Informer<ReceiverObject>;
  readonly events: Informer<KubeObject>;
  readonly #sender = new HttpSender();
  readonly #providerController: Controller<ProviderObject>;
  readonly #alertController: Controller<AlertObject>;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: NotificationControllerOptions) {
    const flags = options.flags;
    const kubeConfig = options.kubeConfig ?? loadKubeConfig(flags);
    this.manager = new Manager({
      name: controllerName,
      flags,
      kubeConfig,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.exit ? { exit: options.exit } : {}),
    });
    const client = new Client(kubeConfig, { fieldManager: controllerName });
    this.client = client;
    const namespace = watchNamespace(flags);
    const labelSelector = flags.watchLabelSelector;
    const informer = <T extends KubeObject>(kind: string) =>
      new Informer<T>(client, { apiVersion: NotificationApiVersion, kind, namespace, labelSelector });
    this.providers = informer<ProviderObject>(ProviderKind);
    this.alerts = informer<AlertObject>(AlertKind);
    this.receivers = informer<ReceiverObject>(ReceiverKind);
    this.events = new Informer<KubeObject>(client, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      namespace,
      transform: slimEvent,
    });
    const readSecret = secretReader(client);
    const health = new DeliveryHealth();
    // When each Alert last sent; its status shows it. A burst of sends within the throttle makes
    // one status write, not one per event.
    const lastSent = new Map<string, number>();
    const reportedSent = new Map<string, number>();
    const sentStatusThrottleMs = 5_000;

    this.#providerController = this.manager.addController({
      reconciler: new ProviderReconciler(readSecret, health),
      informer: this.providers,
      client,
    });
    this.#alertController = this.manager.addController({
      reconciler: new AlertReconciler(this.providers, (key) => lastSent.get(key)),
      informer: this.alerts,
      client,
    });
    this.manager.addController({
      reconciler: new ReceiverReconciler(readSecret),
      informer: this.receivers,
      client,
    });
    // An Alert waiting for its Provider is looked at again as soon as the Provider appears.
    this.providers.onAdd((provider) => {
      for (const alert of this.alerts.list(provider.metadata.namespace)) {
        if (alert.spec.providerRef.name === provider.metadata.name) {
          this.#alertController.queue.add(`${alert.metadata.namespace}/${alert.metadata.name}`);
        }
      }
    });

    const log = this.manager.logger;
    this.dispatcher = new Dispatcher({
      client,
      events: this.events,
      alerts: this.alerts,
      providers: this.providers,
      readSecret,
      labels: new LabelCache(client).lookup,
      sender: this.#sender,
      logger: log.child({ component: 'dispatcher' }),
      registry: this.manager.registry,
      rateLimitWindowMs: options.eventRateLimitWindowMs ?? 5 * 60_000,
      concurrency: options.deliveryConcurrency ?? 16,
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      signal: this.manager.signal,
      onAlertSent: (alertKey, sentAtMs) => {
        lastSent.set(alertKey, sentAtMs);
        if (sentAtMs - (reportedSent.get(alertKey) ?? 0) < sentStatusThrottleMs) return;
        reportedSent.set(alertKey, sentAtMs);
        this.#alertController.queue.add(alertKey);
      },
      onProviderResult: (providerKey, error) => {
        const failure =
          error instanceof DeliveryError
            ? { reason: error.status ? `HTTP${error.status}` : 'DeliveryFailed', message: error.message }
            : error instanceof ProviderConfigError
              ? { reason: error.reason, message: error.message }
              : undefined;
        if (health.report(providerKey, failure)) this.#providerController.queue.add(providerKey);
      },
    });
    this.alerts.onAdd((alert) => {
      if (this.events.hasSynced)
        this.dispatcher.replaySince(Date.parse(alert.metadata.creationTimestamp ?? '') || 0);
    });
    this.events.onAdd((event) => this.dispatcher.enqueue(event));
    this.events.onUpdate((_old, event) => this.dispatcher.enqueue(event));
    this.events.onError((error) => log.warn({ error: errorMessage(error) }, 'event watch failed; resuming'));
    this.receiverServer = new ReceiverServer({
      addr: options.receiverAddr ?? ':9292',
      receivers: this.receivers,
      client,
      readSecret,
      logger: log.child({ component: 'receiver' }),
      registry: this.manager.registry,
    });
  }

  /** Starts the manager; resolves once events are being delivered (this process leads). */
  async start(): Promise<void> {
    await this.manager.start();
    this.#running = this.#runWhenLeading();
    await this.#running;
  }

  async #runWhenLeading(): Promise<void> {
    const signal = this.manager.signal;
    if (!(await this.manager.elected()) || this.#stopped) return;
    await Promise.all([this.alerts.waitForSync(signal), this.providers.waitForSync(signal)]);
    await this.receiverServer.start();
    await this.events.start(signal);
    this.manager.logger.info(
      { receiver: this.receiverServer.address, events: this.events.size },
      'delivering events',
    );
  }

  /** Stops delivering, drains what is in flight (up to the graceful shutdown timeout), stops the manager. */
  async stop(): Promise<boolean> {
    this.#stopped = true;
    await this.events.stop();
    const drained = await this.dispatcher.shutdown(this.manager.flags.gracefulShutdownTimeoutMs);
    await this.receiverServer.stop();
    const managerDrained = await this.manager.stop();
    await this.#running?.catch(() => {});
    await this.#sender.close();
    return drained && managerDrained;
  }

  /** Stops on SIGTERM or SIGINT, then calls `exit` (0 when drained in time, else 1). */
  handleSignals(exit: (code: number) => void): void {
    const onSignal = (signal: string) => {
      this.manager.logger.info({ signal }, 'signal received');
      void this.stop().then((drained) => exit(drained ? 0 : 1));
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  }
}
