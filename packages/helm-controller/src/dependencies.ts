/**
 * What a HelmRelease waits for or is refused for before its chart is read: `dependsOn`
 * (HelmReleases from the cache, Kustomizations and other kinds from the API, each Ready at its
 * current generation) and, with `--no-cross-namespace-refs`, references into other namespaces.
 */
import { ConditionType, HelmApiVersion, HelmReleaseKind, KustomizeApiVersion } from '@weft/api';
import { type Client, isRecord } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { type ReconcileResult, StalledError } from '@weft/runtime/reconcile';
import { HelmReleaseReason as R } from './reasons.ts';
import type { HelmReleaseObject } from './types.ts';

export interface DependencyOptions {
  client: Client;
  /** Other HelmReleases, from the cache. */
  getHelmRelease?: ((namespace: string, name: string) => Promise<HelmReleaseObject | undefined>) | undefined;
  requeueDependencyMs?: number | undefined;
}

export function checkCrossNamespace(obj: HelmReleaseObject, noCrossNamespaceRefs: boolean | undefined): void {
  if (!noCrossNamespaceRefs) return;
  const own = obj.metadata.namespace;
  const refs = [
    obj.spec.chart?.spec.sourceRef.namespace,
    obj.spec.chartRef?.namespace,
    ...(obj.spec.dependsOn ?? []).map((dep) => dep.namespace),
  ];
  const other = refs.find((ns) => ns !== undefined && ns !== own);
  if (other !== undefined)
    throw new StalledError(
      R.AccessDenied,
      `cross-namespace references are not allowed (namespace '${other}')`,
    );
}

export async function dependenciesReady(
  obj: HelmReleaseObject,
  options: DependencyOptions,
): Promise<ReconcileResult | undefined> {
  for (const dep of obj.spec.dependsOn ?? []) {
    const namespace = dep.namespace ?? obj.metadata.namespace ?? '';
    const kind = dep.kind ?? HelmReleaseKind;
    const other =
      kind === HelmReleaseKind && options.getHelmRelease
        ? await options.getHelmRelease(namespace, dep.name)
        : await options.client.find({
            apiVersion: dep.apiVersion ?? (kind === HelmReleaseKind ? HelmApiVersion : KustomizeApiVersion),
            kind,
            namespace,
            name: dep.name,
          });
    const status = isRecord(other?.status) ? other.status : {};
    const ready =
      other &&
      status.observedGeneration === other.metadata.generation &&
      conditions.isTrue(other as unknown as conditions.Conditioned, ConditionType.Ready);
    if (!ready)
      return {
        notReady: {
          reason: R.DependencyNotReady,
          message: `dependency ${kind} '${namespace}/${dep.name}' is not ready`,
        },
        requeueAfter: options.requeueDependencyMs ?? 30_000,
      };
  }
  return undefined;
}
