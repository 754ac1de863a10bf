/** The notification kinds as the runtime's client and informers carry them. */
import type { Alert, Provider, Receiver } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';

export type AlertObject = Alert & KubeObject;
export type ProviderObject = Provider & KubeObject;
export type ReceiverObject = Receiver & KubeObject;

/** Reads the cache of one kind by `namespace/name`, and lists it. */
export interface ObjectStore<T> {
  get(key: string): T | undefined;
  list(namespace?: string): T[];
  readonly hasSynced: boolean;
}
