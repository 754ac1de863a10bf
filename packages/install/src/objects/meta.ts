/** Names and labels every object of an installation carries. */
import type { Scope } from '../template/scope.ts';

export type KubeObject = { apiVersion: string; kind: string; metadata: Metadata } & Record<string, unknown>;

// A type, not an interface: it then fits the runtime client's open ObjectMeta.
export type Metadata = {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

export const partOf = { 'app.kubernetes.io/part-of': 'weft' } as const;

/** Labels of an installation's objects; `component` when the object belongs to one controller. */
export function labels(scope: Scope, component?: string): Record<string, string> {
  return {
    ...partOf,
    'app.kubernetes.io/instance': scope.namespace,
    'app.kubernetes.io/version': scope.value<string>('image.tag'),
    ...(component ? { 'app.kubernetes.io/component': component } : {}),
  };
}

/** Cluster-scoped names carry the namespace, so two installations never share a ClusterRole. */
export function clusterName(scope: Scope, name: string): string {
  return `weft-${name}-${scope.namespace}`;
}

/** `{ [key]: value }`, or nothing when the value is left out. */
export function field<T>(key: string, value: T | undefined): Record<string, T> {
  return value === undefined ? {} : { [key]: value };
}
