/**
 * Spec fields this controller does not implement yet. Each makes the HelmRelease Stalled with a
 * message naming the field: a field silently ignored would be a release unlike the one declared.
 */
import type { HelmReleaseSpec } from '@weft/api';

export function unsupportedFields(spec: HelmReleaseSpec, releaseNamespace: string): string[] {
  const found: string[] = [];
  if (spec.chartRef?.kind === 'OCIRepository') found.push('spec.chartRef.kind OCIRepository (OCI charts)');
  if (spec.kubeConfig !== undefined) found.push('spec.kubeConfig (remote clusters)');
  if ((spec.driftDetection?.ignore ?? []).length > 0) found.push('spec.driftDetection.ignore');
  if (spec.storageNamespace !== undefined && spec.storageNamespace !== releaseNamespace)
    found.push(
      'spec.storageNamespace different from the release namespace (helm stores a release where it installs it)',
    );
  if (spec.install?.crds === 'CreateReplace') found.push('spec.install.crds CreateReplace');
  if (spec.upgrade?.crds === 'Create' || spec.upgrade?.crds === 'CreateReplace')
    found.push(`spec.upgrade.crds ${spec.upgrade.crds}`);
  if (spec.upgrade?.preserveValues) found.push('spec.upgrade.preserveValues');
  if (spec.rollback?.recreate) found.push('spec.rollback.recreate (removed in Helm 4)');
  return found;
}
