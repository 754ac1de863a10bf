/**
 * Adds notification-controller to a runtime Manager: the Provider, Alert and Receiver
 * controllers over the manager's cache, the event dispatcher over the cache's Event informer, and
 * the Receiver HTTP server. The dispatcher and the receiver server are leader-only runnables of
 * the manager. The Event informer starts only after the Alert and Provider caches have synced
 * (`startAfterSync`), so no event is judged against an empty list of Alerts.
 */
import { AlertKind, NotificationApiVersion, ProviderKind, ReceiverKind } from '@weft/api';
import { cacheKind } from '@weft/runtime/cache';
import type { Client, KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import type { Informer } from '@weft/runtime/informer';
import { type Manager, shardScope } from '@weft/runtime/manager';
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
  /** `host:port` or `:port` of the Receiver server; '' or '0' turns it off (default `:9292`). */
  receiverAddr?: string;
  /** Identical events through one Alert within this window go out once (default 5 min). */
  eventRateLimitWindowMs?: number;
  /** Events delivered at once (default 16). */
  deliveryConcurrency?: number;
  /** First delay of a provider request's retries (default 500 ms). */
  retryBaseMs?: number;
  /** The controller's client; default the manager's, writing as `notification-controller`. */
  client?: Client;
}

export interface NotificationController {
  dispatcher: Dispatcher;
  receiverServer: ReceiverServer;
  providers: Informer<ProviderObject>;
  alerts: Informer<AlertObject>;
  receivers: Informer<ReceiverObject>;
  events: Informer<KubeObject>;
}

/** Registers notification-controller with a manager (before `manager.start()`). */
export function addNotificationController(
  manager: Manager,
  options: NotificationControllerOptions = {},
): NotificationController {
  const client = options.client ?? manager.client(controllerName);
  const scope = shardScope(manager.flags);
  const informer = <T extends KubeObject>(kind: string) =>
    manager.cache.informer(cacheKind<T>(NotificationApiVersion, kind), scope);
  const providers = informer<ProviderObject>(ProviderKind);
  const alerts = informer<AlertObject>(AlertKind);
  const receivers = informer<ReceiverObject>(ReceiverKind);
  const events = manager.cache.informer(cacheKind('events.k8s.io/v1', 'Event'), {
    namespace: scope.namespace,
    transform: slimEvent,
    startAfterSync: true,
  });
  const sender = new HttpSender();
  const readSecret = secretReader(client);
  const health = new DeliveryHealth();
  // When each Alert last sent; its status shows it. A burst of sends within the throttle makes
  // one status write, not one per event.
  const lastSent = new Map<string, number>();
  const reportedSent = new Map<string, number>();
  const sentStatusThrottleMs = 5_000;

  const providerController = manager.addController({
    reconciler: new ProviderReconciler(readSecret, health),
    informer: providers,
    client,
  });
  const alertController = manager.addController({
    reconciler: new AlertReconciler(providers, (key) => lastSent.get(key)),
    informer: alerts,
    client,
  });
  manager.addController({ reconciler: new ReceiverReconciler(readSecret), informer: receivers, client });
  // An Alert waiting for its Provider is looked at again as soon as the Provider appears.
  alertController.watches(providers, (provider, oldProvider) =>
    oldProvider
      ? []
      : alerts
          .list(provider.metadata.namespace)
          .filter((alert) => alert.spec.providerRef.name === provider.metadata.name)
          .map((alert) => `${alert.metadata.namespace}/${alert.metadata.name}`),
  );

  const log = manager.logger;
  const dispatcher = new Dispatcher({
    client,
    events,
    alerts,
    providers,
    readSecret,
    labels: new LabelCache(client).lookup,
    sender,
    logger: log.child({ component: 'dispatcher' }),
    registry: manager.registry,
    rateLimitWindowMs: options.eventRateLimitWindowMs ?? 5 * 60_000,
    concurrency: options.deliveryConcurrency ?? 16,
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    signal: manager.signal,
    onAlertSent: (alertKey, sentAtMs) => {
      lastSent.set(alertKey, sentAtMs);
      if (sentAtMs - (reportedSent.get(alertKey) ?? 0) < sentStatusThrottleMs) return;
      reportedSent.set(alertKey, sentAtMs);
      alertController.queue.add(alertKey);
    },
    onProviderResult: (providerKey, error) => {
      const failure =
        error instanceof DeliveryError
          ? { reason: error.status ? `HTTP${error.status}` : 'DeliveryFailed', message: error.message }
          : error instanceof ProviderConfigError
            ? { reason: error.reason, message: error.message }
            : undefined;
      if (health.report(providerKey, failure)) providerController.queue.add(providerKey);
    },
  });
  alerts.onAdd((alert) => {
    if (events.hasSynced) dispatcher.replaySince(Date.parse(alert.metadata.creationTimestamp ?? '') || 0);
  });
  events.onAdd((event) => dispatcher.enqueue(event));
  events.onUpdate((_old, event) => dispatcher.enqueue(event));
  events.onError((error) => log.warn({ error: errorMessage(error) }, 'event watch failed; resuming'));
  // The informers stop first (the manager's order), so nothing new arrives while in-flight
  // deliveries drain.
  manager.add({
    name: 'event-dispatcher',
    start: () => {
      void events
        .waitForSync(manager.signal)
        .then(() => log.info({ events: events.size }, 'delivering events'))
        .catch(() => undefined);
    },
    stop: async (deadlineMs) => {
      const drained = await dispatcher.shutdown(deadlineMs);
      await sender.close();
      return drained;
    },
  });
  const receiverServer = new ReceiverServer({
    addr: options.receiverAddr ?? ':9292',
    receivers,
    client,
    readSecret,
    logger: log.child({ component: 'receiver' }),
    registry: manager.registry,
  });
  manager.add({
    name: 'receiver-server',
    start: () => receiverServer.start(),
    stop: () => receiverServer.stop(),
  });
  return { dispatcher, receiverServer, providers, alerts, receivers, events };
}
