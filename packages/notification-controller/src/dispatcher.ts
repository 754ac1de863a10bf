/**
 * Routes weft events to Providers. Every Event about a weft object (from an informer over
 * events.k8s.io/v1) goes through a work queue keyed by the Event, so one Event is handled by
 * one worker at a time and a failure retries with backoff. For each Alert that routes it and
 * has not recorded this occurrence yet, the event is sent (or rate-limited), then the progress
 * is written to the Event's annotations: on restart the informer's list replays every Event,
 * and what is already recorded is not sent again. A crash between a send and its record sends
 * that one event again (at-least-once); in normal operation each occurrence goes out once.
 *
 * Only occurrences after an Alert was created go through it, so creating an Alert does not
 * replay the last hour of events.
 */
import type { KubeObject } from '@weft/runtime/client';
import { type Client, isNotFound } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import type { Logger } from '@weft/runtime/log';
import type { Counter, Histogram, Registry } from '@weft/runtime/metrics';
import { WorkQueue } from '@weft/runtime/queue';
import {
  type CompiledAlert,
  compileAlert,
  type LabelLookup,
  matchesSource,
  passesFilters,
  payloadMetadata,
} from './alert/match.ts';
import { RateLimiter } from './alert/rate-limit.ts';
import { type EventPayload, parseEvent, type WeftEvent } from './event/event.ts';
import { formatProgress, type Outcome, type Progress, parseProgress, progressKey } from './event/progress.ts';
import type { AlertObject, ObjectStore, ProviderObject } from './objects.ts';
import {
  type ProviderConfig,
  ProviderConfigError,
  resolveProviderConfig,
  type SecretReader,
} from './provider/config.ts';
import { DeliveryError, type HttpSender } from './provider/http.ts';
import { buildRequest } from './provider/payloads.ts';

export interface DispatcherOptions {
  client: Pick<Client, 'patch'>;
  events: ObjectStore<KubeObject>;
  alerts: ObjectStore<AlertObject>;
  providers: ObjectStore<ProviderObject>;
  readSecret: SecretReader;
  labels: LabelLookup;
  sender: HttpSender;
  logger: Logger;
  registry: Registry;
  /** Identical events through one Alert within this window go out once (default 5 min). */
  rateLimitWindowMs: number;
  /** Events handled at once (default 16). */
  concurrency?: number;
  /** Told after each delivery attempt, so a Provider's status can show the last failure. */
  onProviderResult?: (providerKey: string, error: DeliveryError | ProviderConfigError | undefined) => void;
  /** Told after each event that went out, so the Alert's status can show when it last sent. */
  onAlertSent?: (alertKey: string, sentAtMs: number) => void;
  /** First delay of the in-request retries (tests make it short). */
  retryBaseMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  now?: () => number;
  signal?: AbortSignal;
}

interface DeliveryMetrics {
  deliveries: Counter<'provider' | 'result'>;
  latency: Histogram<'provider'>;
}

/** Occurrence time is seconds-precise on Alerts: compare on whole seconds. */
function secondsOf(ms: number): number {
  return Math.floor(ms / 1000);
}

export class Dispatcher {
  readonly queue: WorkQueue;
  readonly #options: DispatcherOptions;
  readonly #limiter: RateLimiter;
  readonly #now: () => number;
  readonly #metrics: DeliveryMetrics;
  readonly #compiled = new Map<
    string,
    { resourceVersion: string | undefined; compiled: CompiledAlert | Error }
  >();
  readonly #configs = new Map<string, { at: number; version: string; config: Promise<ProviderConfig> }>();

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#limiter = new RateLimiter(options.rateLimitWindowMs);
    this.#now = options.now ?? Date.now;
    this.#metrics = {
      deliveries: options.registry.counter({
        name: 'weft_notification_deliveries_total',
        help: 'Events handled per provider type and result (sent, limited, skipped, failed, error).',
        labelNames: ['provider', 'result'],
      }),
      latency: options.registry.histogram({
        name: 'weft_notification_delivery_latency_seconds',
        help: 'From the last occurrence of an event to the provider accepting it.',
        labelNames: ['provider'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      }),
    };
    this.queue = new WorkQueue({
      handler: (key) => this.handle(key),
      concurrency: options.concurrency ?? 16,
      backoff: options.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 },
      onError: (key, error, retryInMs) =>
        options.logger.warn(
          { event: key, error: errorMessage(error), retryInMs },
          'event delivery failed; retrying',
        ),
    });
  }

  /** Connects to an informer's handlers: every add or update of an Event is looked at. */
  enqueue(obj: KubeObject): void {
    const { namespace, name } = obj.metadata;
    if (name) this.queue.add(`${namespace ?? ''}/${name}`);
  }

  /**
   * Looks again at every cached event that occurred since `ms`: an Alert that reaches the cache
   * after an event it routes (the two watches are not ordered) still gets that event.
   */
  replaySince(ms: number): void {
    for (const raw of this.#options.events.list()) {
      const event = parseEvent(raw);
      if (event && secondsOf(event.lastObservedMs) >= secondsOf(ms))
        this.queue.add(`${event.namespace}/${event.name}`);
    }
  }

  shutdown(deadlineMs: number): Promise<boolean> {
    return this.queue.shutdown(deadlineMs);
  }

  #compile(alert: AlertObject): CompiledAlert | Error {
    const key = alert.metadata.uid ?? '';
    const cached = this.#compiled.get(key);
    if (cached && cached.resourceVersion === alert.metadata.resourceVersion) return cached.compiled;
    let compiled: CompiledAlert | Error;
    try {
      compiled = compileAlert(alert);
    } catch (error) {
      compiled = error instanceof Error ? error : new Error(String(error));
    }
    this.#compiled.set(key, { resourceVersion: alert.metadata.resourceVersion, compiled });
    return compiled;
  }

  /** The Provider's settings, re-read from its Secrets when the Provider changes or after 30 s. */
  #config(provider: ProviderObject): Promise<ProviderConfig> {
    const key = provider.metadata.uid ?? '';
    const version = provider.metadata.resourceVersion ?? '';
    const now = this.#now();
    const cached = this.#configs.get(key);
    if (cached && cached.version === version && now - cached.at < 30_000) return cached.config;
    const config = resolveProviderConfig(provider, this.#options.readSecret);
    config.catch(() => this.#configs.delete(key));
    this.#configs.set(key, { at: now, version, config });
    return config;
  }

  /** One pass over one Event: what the queue calls. Public for tests. */
  async handle(key: string): Promise<void> {
    const raw = this.#options.events.get(key);
    if (!raw) return;
    const event = parseEvent(raw);
    if (!event) return;
    const updates: Record<string, string> = {};
    const errors: unknown[] = [];
    await Promise.all(
      this.#options.alerts.list().map(async (alert) => {
        try {
          const progress = await this.#deliver(alert, event);
          if (progress) updates[progressKey(alert.metadata.uid ?? '')] = formatProgress(progress);
        } catch (error) {
          errors.push(error);
        }
      }),
    );
    if (Object.keys(updates).length > 0) {
      try {
        await this.#options.client.patch(
          { apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: event.namespace, name: event.name },
          { metadata: { annotations: updates } },
        );
      } catch (error) {
        // An Event that expired meanwhile has nothing left to protect from a second send.
        if (!isNotFound(error)) throw error;
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors.map(errorMessage).join('; '));
  }

  /** Delivers one event through one Alert; returns the progress to record, if any. */
  async #deliver(alert: AlertObject, event: WeftEvent): Promise<Progress | undefined> {
    if (alert.spec.suspend) return undefined;
    const compiled = this.#compile(alert);
    if (compiled instanceof Error) return undefined;
    if (secondsOf(event.lastObservedMs) < secondsOf(compiled.createdMs)) return undefined;
    const previous = parseProgress(event.annotations[progressKey(compiled.uid)]);
    if (previous && previous.count >= event.count) return undefined;
    if (!(await matchesSource(compiled, event.involvedObject, this.#options.labels))) return undefined;
    // Filtered out is recorded too: an Alert whose filters change later does not replay old events.
    if (!passesFilters(compiled, event))
      return { count: event.count, sentAtMs: previous?.sentAtMs ?? 0, outcome: 'filtered' };

    const now = this.#now();
    const providerKey = `${compiled.namespace}/${alert.spec.providerRef.name}`;
    const provider = this.#options.providers.get(providerKey);
    if (!provider)
      throw new Error(
        `alert ${compiled.namespace}/${alert.metadata.name}: provider ${providerKey} not found`,
      );
    const providerType = provider.spec.type;
    const record = (outcome: Outcome, sentAtMs: number): Progress => {
      this.#metrics.deliveries.inc({ provider: providerType, result: outcome });
      return { count: event.count, sentAtMs, outcome };
    };
    if (provider.spec.suspend) return record('skipped', previous?.sentAtMs ?? 0);

    // A repeat of this Event (series bump) or an identical Event, within the window: sent once.
    const limitKey = RateLimiter.key(compiled.uid, event);
    const windowMs = this.#options.rateLimitWindowMs;
    if (previous && previous.sentAtMs > 0 && now - previous.sentAtMs < windowMs) {
      return record('limited', previous.sentAtMs);
    }
    if (this.#limiter.limited(limitKey, now)) return record('limited', previous?.sentAtMs ?? 0);

    let config: ProviderConfig;
    try {
      config = await this.#config(provider);
    } catch (error) {
      if (error instanceof ProviderConfigError) this.#options.onProviderResult?.(providerKey, error);
      this.#metrics.deliveries.inc({ provider: providerType, result: 'error' });
      throw error;
    }
    const payload: EventPayload = {
      involvedObject: event.involvedObject,
      severity: event.severity,
      timestamp: new Date(event.lastObservedMs || now).toISOString(),
      message: event.message,
      reason: event.reason,
      metadata: payloadMetadata(compiled, event),
      reportingController: event.reportingController,
      reportingInstance: event.reportingInstance,
    };
    let outgoing: ReturnType<typeof buildRequest>;
    try {
      outgoing = buildRequest(payload, config, provider.metadata.uid ?? '');
    } catch (error) {
      if (error instanceof ProviderConfigError) {
        this.#options.onProviderResult?.(providerKey, error);
        return record('failed', previous?.sentAtMs ?? 0);
      }
      throw error;
    }
    if (!outgoing) return record('skipped', previous?.sentAtMs ?? 0);
    try {
      await this.#options.sender.send(outgoing, {
        timeoutMs: config.timeoutMs,
        ca: config.ca,
        proxy: config.proxy,
        secrets: [config.token, config.password, ...Object.values(config.headers)],
        ...(this.#options.retryBaseMs !== undefined ? { retryBaseMs: this.#options.retryBaseMs } : {}),
        signal: this.#options.signal,
      });
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      this.#options.onProviderResult?.(providerKey, error);
      const log = {
        alert: `${compiled.namespace}/${alert.metadata.name}`,
        provider: providerKey,
        error: error.message,
      };
      if (error.permanent) {
        // The service refused it: saying it again will not help. Recorded, not retried.
        this.#options.logger.warn(log, 'provider refused the event; not retrying');
        return record('failed', previous?.sentAtMs ?? 0);
      }
      this.#metrics.deliveries.inc({ provider: providerType, result: 'error' });
      throw error;
    }
    const sentAt = this.#now();
    this.#limiter.sent(limitKey, sentAt);
    this.#options.onProviderResult?.(providerKey, undefined);
    this.#options.onAlertSent?.(`${compiled.namespace}/${alert.metadata.name}`, sentAt);
    if (event.lastObservedMs > 0) {
      this.#metrics.latency.observe(
        { provider: providerType },
        Math.max(0, sentAt - event.lastObservedMs) / 1000,
      );
    }
    return record('sent', sentAt);
  }
}
