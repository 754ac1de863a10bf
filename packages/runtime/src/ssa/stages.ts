/**
 * Apply order. Objects other objects depend on at admission go first: CRDs (their kinds must be
 * served before custom resources can be applied), Namespaces, ClusterRoles; then `*Class` kinds
 * (StorageClass, IngressClass, PriorityClass, …) that other objects name; then everything else.
 */
import { type KubeObject, parseApiVersion } from '../client/types.ts';

export const Stage = { ClusterDefinitions: 0, Classes: 1, Resources: 2 } as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

export function isCrd(obj: KubeObject): boolean {
  return (
    obj.kind === 'CustomResourceDefinition' &&
    parseApiVersion(obj.apiVersion).group === 'apiextensions.k8s.io'
  );
}

export function stageOf(obj: KubeObject): Stage {
  const group = parseApiVersion(obj.apiVersion).group;
  if (isCrd(obj)) return Stage.ClusterDefinitions;
  if (obj.kind === 'Namespace' && group === '') return Stage.ClusterDefinitions;
  if (obj.kind === 'ClusterRole' && group === 'rbac.authorization.k8s.io') return Stage.ClusterDefinitions;
  if (obj.kind.endsWith('Class')) return Stage.Classes;
  return Stage.Resources;
}

/** The group/kind pairs the CRDs in a set define. */
export function kindsDefinedBy(objects: KubeObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const obj of objects) {
    if (!isCrd(obj)) continue;
    const spec = obj.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
    if (typeof spec?.group === 'string' && typeof spec.names?.kind === 'string') {
      kinds.add(`${spec.group}/${spec.names.kind}`);
    }
  }
  return kinds;
}
