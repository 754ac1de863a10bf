import type { TransformerConfig } from '../config/transformer-config.ts';
import { KustomizeError } from '../errors.ts';
import { idKey, idString, isClusterScoped } from '../model/resid.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';
import { updateScalars } from './field-setters.ts';

const isRoleBinding = (kind: string): boolean => kind === 'RoleBinding' || kind === 'ClusterRoleBinding';

/** kustomize's NamespaceTransformer: metadata.namespace, kind-specific fields, default SA subjects. */
export const applyNamespace = (resources: Resource[], namespace: string, config: TransformerConfig): void => {
  for (const res of resources) {
    res.storePrevId();
    const gvk = res.gvk;
    if (!isClusterScoped(gvk)) res.metadata.namespace = namespace;
    const specs = config.namespace.filter(
      (fs) =>
        fs.path !== 'metadata/namespace' &&
        (fs.path !== 'metadata/name' || res.obj.apiVersion === 'v1') &&
        !(isRoleBinding(fs.kind ?? '') && fs.path === 'subjects/namespace'),
    );
    updateScalars(res, specs, () => namespace);
    if (isRoleBinding(res.kind) && Array.isArray(res.obj.subjects)) {
      for (const s of res.obj.subjects) if (isMap(s) && s.name === 'default') s.namespace = namespace;
    }
  }
  // One pass with an index: comparing every pair is quadratic (10,000 objects: 10^8 compares).
  const seen = new Set<string>();
  for (const res of resources) {
    const id = res.curId();
    const key = idKey(id);
    if (seen.has(key))
      throw new KustomizeError(`namespace transformation produces ID conflict: ${idString(id)}`);
    seen.add(key);
  }
};
