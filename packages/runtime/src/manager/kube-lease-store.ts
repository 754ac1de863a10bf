/** LeaseStore over coordination.k8s.io/v1 Leases with @kubernetes/client-node. */
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { LeaseRecord, LeaseStore, StoredLease } from './leader-election.ts';

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}

function timeString(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : '';
}

export class KubeLeaseStore implements LeaseStore {
  readonly description: string;
  readonly #api: CoordinationV1Api;
  readonly #namespace: string;
  readonly #name: string;

  constructor(kubeConfig: KubeConfig, namespace: string, name: string) {
    this.#api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.#namespace = namespace;
    this.#name = name;
    this.description = `${namespace}/${name}`;
  }

  async get(): Promise<StoredLease | undefined> {
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ namespace: this.#namespace, name: this.#name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const spec = lease.spec ?? {};
    return {
      version: lease.metadata?.resourceVersion ?? '',
      record: {
        holderIdentity: spec.holderIdentity ?? '',
        leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
        acquireTime: timeString(spec.acquireTime),
        renewTime: timeString(spec.renewTime),
        leaseTransitions: spec.leaseTransitions ?? 0,
      },
    };
  }

  #body(record: LeaseRecord, version?: string): V1Lease {
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
        ...(record.acquireTime ? { acquireTime: new V1MicroTime(record.acquireTime) } : {}),
        ...(record.renewTime ? { renewTime: new V1MicroTime(record.renewTime) } : {}),
      },
    };
  }

  async create(record: LeaseRecord): Promise<void> {
    await this.#api.createNamespacedLease({ namespace: this.#namespace, body: this.#body(record) });
  }

  async update(record: LeaseRecord, version: string): Promise<void> {
    await this.#api.replaceNamespacedLease({
      namespace: this.#namespace,
      name: this.#name,
      body: this.#body(record, version),
    });
  }
}
