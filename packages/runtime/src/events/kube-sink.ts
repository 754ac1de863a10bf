/** EventSink over events.k8s.io/v1 Events, through our own Client's transport. */
import { Client } from '../client/client.ts';
import type { KubeConfigLike } from '../client/kubeconfig.ts';
import type { Transport } from '../client/transport.ts';
import { isRecord } from '../client/types.ts';
import type { EventSeries, EventSink, KubeEvent } from './types.ts';

function eventsPath(namespace: string, name?: string): string {
  const base = `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

export class KubeEventSink implements EventSink {
  readonly #transport: Transport;

  /** A kubeconfig (ours or client-node's) or a Client whose connection to share. */
  constructor(source: KubeConfigLike | Client) {
    this.#transport = (source instanceof Client ? source : new Client(source)).transport;
  }

  async create(namespace: string, event: KubeEvent): Promise<{ name: string }> {
    const res = await this.#transport.request({
      method: 'POST',
      path: eventsPath(namespace),
      body: { ...event, metadata: { ...event.metadata, namespace } },
      context: `create Event in ${namespace}`,
    });
    const meta = isRecord(res.body) && isRecord(res.body.metadata) ? res.body.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    if (!name) throw new Error(`the API server created an Event in ${namespace} without a name`);
    return { name };
  }

  async patch(namespace: string, name: string, patch: { series: EventSeries }): Promise<void> {
    await this.#transport.request({
      method: 'PATCH',
      path: eventsPath(namespace, name),
      body: patch,
      contentType: 'application/merge-patch+json',
      context: `patch Event ${namespace}/${name}`,
    });
  }
}
