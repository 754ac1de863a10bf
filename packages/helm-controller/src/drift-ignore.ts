/**
 * spec.driftDetection.ignore: fields of the release's objects that drift detection leaves to
 * other writers (an HPA's replicas, an injected sidecar). Targets are kustomize's patch-target
 * selectors; the apply engine takes those fields from the live object (`withIgnoredFields`), so
 * they are neither reported as drift nor corrected. A bad pointer or selector stalls the release.
 */
import { KustomizeError, objectMatchesSelector } from '@weft/kustomize';
import type { KubeObject } from '@weft/runtime/client';
import { StalledError } from '@weft/runtime/reconcile';
import { JsonPointerError, parseJsonPointer } from '@weft/runtime/ssa';
import { HelmReleaseReason } from './reasons.ts';
import type { HelmReleaseObject } from './types.ts';

export type IgnoredPaths = (target: KubeObject) => readonly string[];

export function driftIgnoredPaths(obj: HelmReleaseObject): IgnoredPaths | undefined {
  const rules = obj.spec.driftDetection?.ignore ?? [];
  if (rules.length === 0) return undefined;
  const probe: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' } };
  for (const [index, rule] of rules.entries()) {
    const where = `spec.driftDetection.ignore[${index}]`;
    try {
      for (const path of rule.paths) parseJsonPointer(path);
      if (rule.target) objectMatchesSelector(probe, rule.target, `${where}.target`);
    } catch (error) {
      if (!(error instanceof JsonPointerError || error instanceof KustomizeError)) throw error;
      throw new StalledError(HelmReleaseReason.InvalidSpec, `${where}: ${error.message}`);
    }
  }
  return (target) =>
    rules
      .filter((rule) => !rule.target || objectMatchesSelector(target, rule.target))
      .flatMap((r) => r.paths);
}
