/**
 * The dependsOn step: every dependency must be Ready at its current generation before the
 * Kustomization is applied. A dependency is a Kustomization (the default) or a HelmRelease
 * (`kind: HelmRelease`); a Kustomization of the same source must also have applied this revision,
 * so that a chain of Kustomizations of one repository rolls out one revision in order.
 */
import {
  ConditionType,
  HelmApiVersion,
  HelmReleaseKind,
  KustomizationKind,
  KustomizeApiVersion,
  Reason,
} from '@weft/api';
import { isRecord, type KubeObject, type ObjectRef } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { StalledError } from '@weft/runtime/reconcile';
import { sourceRefOf } from './source.ts';
import type { KustomizationObject } from './types.ts';

export type DependencyRef = ObjectRef & { namespace: string };

/** Reads a dependency: the manager's cache, else a GET (`Client.find` has this shape). */
export type DependencyFinder = (ref: DependencyRef) => Promise<KubeObject | undefined>;

type DependsOn = NonNullable<KustomizationObject['spec']['dependsOn']>[number];

/** The object a dependsOn entry names, kind, apiVersion and namespace defaulted. */
export function dependencyRefOf(obj: KustomizationObject, dep: DependsOn): DependencyRef {
  const kind = dep.kind ?? KustomizationKind;
  return {
    apiVersion: dep.apiVersion ?? (kind === HelmReleaseKind ? HelmApiVersion : KustomizeApiVersion),
    kind,
    name: dep.name,
    namespace: dep.namespace ?? obj.metadata.namespace ?? '',
  };
}

/** `Kind/namespace/name`, how an index and a message name a dependency. */
export const dependencyKey = (ref: Pick<DependencyRef, 'kind' | 'namespace' | 'name'>): string =>
  `${ref.kind}/${ref.namespace}/${ref.name}`;

/** Why the first dependency is not ready, or undefined when all are. */
export async function checkDependencies(
  obj: KustomizationObject,
  revision: string,
  find: DependencyFinder,
  noCrossNamespaceRefs: boolean,
): Promise<string | undefined> {
  const namespace = obj.metadata.namespace ?? '';
  const ownSource = sourceRefOf(obj);
  for (const dep of obj.spec.dependsOn ?? []) {
    const ref = dependencyRefOf(obj, dep);
    const subject = dependencyKey(ref);
    if (noCrossNamespaceRefs && ref.namespace !== namespace) {
      throw new StalledError(
        Reason.AccessDenied,
        `cannot access ${subject}: cross-namespace references have been blocked`,
      );
    }
    const other = await find(ref);
    if (!other) return `dependency '${subject}' not found`;
    const status = isRecord(other.status) ? other.status : {};
    if (
      !conditions.isTrue(other as unknown as conditions.Conditioned, ConditionType.Ready) ||
      status.observedGeneration !== other.metadata.generation
    ) {
      return `dependency '${subject}' is not ready`;
    }
    if (ref.kind !== KustomizationKind) continue;
    const otherSource = sourceRefOf(other as KustomizationObject);
    const sameSource =
      otherSource.kind === ownSource.kind &&
      otherSource.name === ownSource.name &&
      otherSource.namespace === ownSource.namespace;
    if (sameSource && status.lastAppliedRevision !== revision) {
      return `dependency '${subject}' revision is not up to date`;
    }
  }
  return undefined;
}
