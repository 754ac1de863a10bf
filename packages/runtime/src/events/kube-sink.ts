/** EventSink over @kubernetes/client-node's EventsV1Api. */
import {
  EventsV1Api,
  type EventsV1Event,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { EventSeries, EventSink, KubeEvent } from './types.ts';

export class KubeEventSink implements EventSink {
  readonly #api: EventsV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(EventsV1Api);
  }

  async create(namespace: string, event: KubeEvent): Promise<{ name: string }> {
    const { series, ...rest } = event;
    const body: EventsV1Event = {
      ...rest,
      eventTime: new V1MicroTime(event.eventTime),
      ...(series
        ? { series: { count: series.count, lastObservedTime: new V1MicroTime(series.lastObservedTime) } }
        : {}),
    };
    const created = await this.#api.createNamespacedEvent({ namespace, body });
    const name = created.metadata?.name;
    if (!name) throw new Error(`the API server created an Event in ${namespace} without a name`);
    return { name };
  }

  async patch(namespace: string, name: string, patch: { series: EventSeries }): Promise<void> {
    await this.#api.patchNamespacedEvent(
      { namespace, name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}
