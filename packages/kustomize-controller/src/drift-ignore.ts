/**
 * spec.driftIgnoreRules: which fields of which built objects the apply engine leaves to other
 * writers. Selection is kustomize's patch-target matching; the field handling is the runtime's
 * (`withIgnoredFields`). A bad pointer or pattern stalls the Kustomization until it is fixed.
 */
import { Reason } from '@weft/api';
import { KustomizeError, objectMatchesSelector } from '@weft/kustomize';
import type { KubeObject } from '@weft/runtime/client';
import { StalledError } from '@weft/runtime/reconcile';
import { JsonPointerError, parseJsonPointer } from '@weft/runtime/ssa';
import type { KustomizationObject } from './types.ts';

/** The JSON pointers to leave alone per object, or undefined without rules. */
export function driftIgnoredPaths(
  obj: KustomizationObject,
): ((target: KubeObject) => readonly string[]) | undefined {
  const rules = obj.spec.driftIgnoreRules ?? [];
  if (rules.length === 0) return undefined;
  const probe: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' } };
  for (const [index, rule] of rules.entries()) {
    const where = `spec.driftIgnoreRules[${index}]`;
    try {
      for (const path of rule.paths) parseJsonPointer(path);
      // Compiles the target's patterns once, so a bad one is reported here and not per object.
      if (rule.target) objectMatchesSelector(probe, rule.target, `${where}.target`);
    } catch (error) {
      if (error instanceof JsonPointerError || error instanceof KustomizeError) {
        throw new StalledError(Reason.InvalidSpec, `${where}: ${error.message}`);
      }
      throw error;
    }
  }
  return (target) =>
    rules
      .filter((rule) => !rule.target || objectMatchesSelector(target, rule.target))
      .flatMap((rule) => rule.paths);
}
