/** Object shapes the client reads and writes: parsed JSON, typed only as far as every kind agrees. */
import type { ObjectMeta as ApiObjectMeta } from '@weft/api';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/**
 * The metadata of any object as the client reads it: @weft/api's ObjectMeta, with owner
 * references left loose (objects from other tools may carry fields weft does not model), plus
 * managedFields, which only the client and the apply engine look at.
 */
export interface ObjectMeta extends Omit<ApiObjectMeta, 'ownerReferences'> {
  ownerReferences?: Array<Record<string, unknown>>;
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

/** Any Kubernetes object. Kind-specific fields stay `unknown` and are narrowed where read. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Names one object of a kind. `namespace` is ignored for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
}

/** What discovery knows about a kind: where its REST resource lives. */
export interface ResourceMapping {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
  /** Whether the kind has a `status` subresource (as far as discovery says). */
  hasStatus: boolean;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isKubeObject(value: unknown): value is KubeObject {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata)
  );
}

/** Splits `apps/v1` into `{group: 'apps', version: 'v1'}` and `v1` into `{group: '', version: 'v1'}`. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (the cache key). */
export function objectKey(obj: { metadata: ObjectMeta }): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}

/** A human-readable id for messages: `Kind/namespace/name` or `Kind/name`. */
export function describeObject(obj: { kind: string; metadata: ObjectMeta } | ObjectRef): string {
  const name = 'metadata' in obj ? obj.metadata.name : obj.name;
  const ns = 'metadata' in obj ? obj.metadata.namespace : obj.namespace;
  return ns ? `${obj.kind}/${ns}/${name ?? ''}` : `${obj.kind}/${name ?? ''}`;
}
