/**
 * The CRDs of an installation come from @weft/api (never a second copy). They carry Helm's
 * `keep` resource policy: uninstalling the chart must not delete the CRDs, since that would delete
 * every GitRepository and Kustomization with them (see docs/install.md, "Uninstall").
 */
import { type CustomResourceDefinition, crds } from '@weft/api';
import type { KubeObject } from './meta.ts';

export const keepPolicy = { 'helm.sh/resource-policy': 'keep' } as const;

export function crdsOfGroup(group: string): CustomResourceDefinition[] {
  return crds().filter((crd) => crd.spec.group === group);
}

export function crdObject(crd: CustomResourceDefinition): KubeObject {
  return { ...crd, metadata: { ...crd.metadata, annotations: { ...keepPolicy } } } as unknown as KubeObject;
}
