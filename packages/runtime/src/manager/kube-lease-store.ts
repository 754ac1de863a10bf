/** LeaseStore over coordination.k8s.io/v1 Leases, through our own Client's transport. */
import { Client } from '../client/client.ts';
import { isNotFound } from '../client/errors.ts';
import type { KubeConfigLike } from '../client/kubeconfig.ts';
import type { Transport } from '../client/transport.ts';
import { isRecord } from '../client/types.ts';
import type { LeaseRecord, LeaseStore, StoredLease } from './leader-election.ts';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function count(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

export class KubeLeaseStore implements LeaseStore {
  readonly description: string;
  readonly #transport: Transport;
  readonly #namespace: string;
  readonly #name: string;

  /** A kubeconfig (ours or client-node's) or a Client whose connection to share. */
  constructor(source: KubeConfigLike | Client, namespace: string, name: string) {
    this.#transport = (source instanceof Client ? source : new Client(source)).transport;
    this.#namespace = namespace;
    this.#name = name;
    this.description = `${namespace}/${name}`;
  }

  #path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#namespace)}/leases`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  async get(): Promise<StoredLease | undefined> {
    let body: unknown;
    try {
      ({ body } = await this.#transport.request({
        method: 'GET',
        path: this.#path(this.#name),
        context: `get Lease ${this.description}`,
      }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const lease = isRecord(body) ? body : {};
    const meta = isRecord(lease.metadata) ? lease.metadata : {};
    const spec = isRecord(lease.spec) ? lease.spec : {};
    return {
      version: text(meta.resourceVersion),
      record: {
        holderIdentity: text(spec.holderIdentity),
        leaseDurationSeconds: count(spec.leaseDurationSeconds),
        acquireTime: text(spec.acquireTime),
        renewTime: text(spec.renewTime),
        leaseTransitions: count(spec.leaseTransitions),
      },
    };
  }

  #body(record: LeaseRecord, version?: string): Record<string, unknown> {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.#name,
        namespace: this.#namespace,
        ...(version ? { resourceVersion: version } : {}),
      },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        leaseTransitions: record.leaseTransitions,
        ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
        ...(record.renewTime ? { renewTime: record.renewTime } : {}),
      },
    };
  }

  async create(record: LeaseRecord): Promise<void> {
    await this.#transport.request({
      method: 'POST',
      path: this.#path(),
      body: this.#body(record),
      context: `create Lease ${this.description}`,
    });
  }

  async update(record: LeaseRecord, version: string): Promise<void> {
    await this.#transport.request({
      method: 'PUT',
      path: this.#path(this.#name),
      body: this.#body(record, version),
      context: `update Lease ${this.description}`,
    });
  }
}
