import type { Gvk } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';

export const defaultOrderFirst = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
export const defaultOrderLast = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

const gvkKey = (g: Gvk, noGroup: string, noVersion: string, noKind: string): string =>
  [g.group || noGroup, g.version || noVersion, g.kind || noKind].join('_');

/** kustomize's legacy sort: kinds in a fixed order, then by group/version/kind, namespace and name. */
export const legacySort = (
  resources: Resource[],
  orderFirst = defaultOrderFirst,
  orderLast = defaultOrderLast,
): Resource[] => {
  const typeOrder = new Map<string, number>();
  for (const [i, k] of orderFirst.entries()) typeOrder.set(k, -orderFirst.length + i);
  for (const [i, k] of orderLast.entries()) typeOrder.set(k, 1 + i);
  const keyed = resources.map((r) => {
    const id = r.curId();
    const legacyGvk = gvkKey(id, '~G', '~V', '~K');
    const idKey = [gvkKey(id, '[noGrp]', '[noVer]', '[noKind]'), r.namespace || '~X', id.name || '~N'].join(
      '|',
    );
    return { r, id, legacyGvk, idKey, order: typeOrder.get(id.kind) ?? 0 };
  });
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  keyed.sort((a, b) => {
    if (a.legacyGvk !== b.legacyGvk) {
      if (a.order !== b.order) return a.order - b.order;
      if (
        a.id.kind === 'Namespace' &&
        b.id.kind === 'Namespace' &&
        (a.id.group === '' || b.id.group === '')
      ) {
        return cmp(b.legacyGvk, a.legacyGvk);
      }
      return cmp(a.legacyGvk, b.legacyGvk);
    }
    return cmp(a.idKey, b.idKey);
  });
  return keyed.map((k) => k.r);
};
