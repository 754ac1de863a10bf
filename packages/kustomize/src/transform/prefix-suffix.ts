import { fieldSpecSelects } from '../config/field-spec.ts';
import type { FieldSpec } from '../kustomization/types.ts';
import type { Resource } from '../model/resource.ts';
import { updateScalars } from './field-setters.ts';

// kustomize never renames these: their names are fixed by the API (CRDs, APIServices) or by intent.
const skipped = (res: Resource): boolean => {
  const org = res.orgId();
  return (
    org.kind === 'CustomResourceDefinition' ||
    (org.group === 'apiregistration.k8s.io' && org.kind === 'APIService') ||
    org.kind === 'Namespace'
  );
};

/** kustomize's PrefixTransformer / SuffixTransformer (one call adds one of them). */
export const applyPrefixSuffix = (
  resources: Resource[],
  prefix: string,
  suffix: string,
  specs: readonly FieldSpec[],
): void => {
  for (const res of resources) {
    if (skipped(res)) continue;
    const org = res.orgId();
    for (const fs of specs) {
      if (!fieldSpecSelects(fs, org)) continue;
      if (fs.path === 'metadata/name') {
        if (prefix) res.prefixes.push(prefix);
        if (suffix) res.suffixes.push(suffix);
        if (prefix || suffix) res.storePrevId();
      }
      updateScalars(res, [fs], (v) => (typeof v === 'string' ? `${prefix}${v}${suffix}` : undefined), {
        create: false,
      });
    }
  }
};
