import schema from '../schema/merge-keys.generated.json' with { type: 'json' };

export type Gvk = { group: string; version: string; kind: string };
export type ResId = Gvk & { name: string; namespace: string };

const clusterScoped = new Set<string>(schema.clusterScoped);

export const gvkOf = (apiVersion: unknown, kind: unknown): Gvk => {
  const av = typeof apiVersion === 'string' ? apiVersion : '';
  const slash = av.lastIndexOf('/');
  return {
    group: slash >= 0 ? av.slice(0, slash) : '',
    version: slash >= 0 ? av.slice(slash + 1) : av,
    kind: typeof kind === 'string' ? kind : '',
  };
};

export const apiVersionOf = (gvk: Gvk): string => (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);

export const isClusterScoped = (gvk: Gvk): boolean => clusterScoped.has(`${gvk.group}/${gvk.kind}`);

/** Namespaces compare with "" and "default" equal, as kustomize does. */
export const nsEquals = (a: string, b: string): boolean => (a || 'default') === (b || 'default');

/** Whether `id` is selected by a partial GVK (empty fields match anything). */
export const gvkSelected = (id: Gvk, sel: Partial<Gvk>): boolean =>
  (!sel.group || sel.group === id.group) &&
  (!sel.version || sel.version === id.version) &&
  (!sel.kind || sel.kind === id.kind);

export const idEquals = (a: ResId, b: ResId): boolean =>
  a.group === b.group &&
  a.version === b.version &&
  a.kind === b.kind &&
  a.name === b.name &&
  (isClusterScoped(a) || nsEquals(a.namespace, b.namespace));

export const idString = (id: ResId): string => {
  const gvk = [id.group, id.version, id.kind].filter(Boolean).join('.');
  const ns = isClusterScoped(id) ? '' : ` in namespace ${id.namespace || '[noNs]'}`;
  return `${gvk}/${id.name}${ns}`;
};

/** A map key for an id: what `idEquals` compares (a namespaced object without namespace is in `default`). */
export const idKey = (id: ResId): string =>
  `${id.group}|${id.version}|${id.kind}|${id.name}|${isClusterScoped(id) ? '' : id.namespace || 'default'}`;
