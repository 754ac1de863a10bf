/**
 * `spec.chart`: the HelmChart the controller creates for a HelmRelease, named
 * `<release-namespace>-<release-name>` in the source's namespace (as Flux), labelled with the
 * release it belongs to, and deleted with it.
 */
import { isDeepStrictEqual } from 'node:util';
import { HelmChartKind, type HelmReleaseSpec, Label, SourceApiVersion } from '@weft/api';
import { type Client, type KubeObject, NotFoundError, type ObjectRef } from '@weft/runtime/client';
import type { HelmReleaseObject } from './types.ts';

export function chartTemplateRef(release: HelmReleaseObject): ObjectRef & { namespace: string } {
  const template = release.spec.chart as NonNullable<HelmReleaseSpec['chart']>;
  const namespace = release.metadata.namespace ?? '';
  return {
    apiVersion: SourceApiVersion,
    kind: HelmChartKind,
    namespace: template.spec.sourceRef.namespace ?? namespace,
    name: `${namespace}-${release.metadata.name}`,
  };
}

/** The HelmChart the template describes, as it is applied. */
export function chartTemplateObject(release: HelmReleaseObject): KubeObject {
  const template = release.spec.chart as NonNullable<HelmReleaseSpec['chart']>;
  const ref = chartTemplateRef(release);
  const { sourceRef } = template.spec;
  const spec: Record<string, unknown> = {
    chart: template.spec.chart,
    version: template.spec.version ?? '*',
    sourceRef: {
      kind: sourceRef.kind,
      name: sourceRef.name,
      ...(sourceRef.apiVersion ? { apiVersion: sourceRef.apiVersion } : {}),
    },
    interval: template.spec.interval ?? release.spec.interval,
    reconcileStrategy: template.spec.reconcileStrategy ?? 'ChartVersion',
  };
  // With spec.decryption the controller merges the (encrypted) values files itself, in memory:
  // see values-files.ts.
  if (release.spec.decryption === undefined) {
    if (template.spec.valuesFiles) spec.valuesFiles = template.spec.valuesFiles;
    if (template.spec.ignoreMissingValuesFiles !== undefined)
      spec.ignoreMissingValuesFiles = template.spec.ignoreMissingValuesFiles;
  }
  if (template.spec.verify) spec.verify = template.spec.verify;
  return {
    apiVersion: SourceApiVersion,
    kind: HelmChartKind,
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: {
        ...template.metadata?.labels,
        // A sharded release's chart goes to the same shard of source-controller.
        ...(release.metadata.labels?.[Label.ShardKey]
          ? { [Label.ShardKey]: release.metadata.labels[Label.ShardKey] }
          : {}),
        [Label.HelmName]: release.metadata.name ?? '',
        [Label.HelmNamespace]: release.metadata.namespace ?? '',
      },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
    },
    spec,
  };
}

/**
 * Whether `live` already is what applying `desired` would make it: the same spec, labels and
 * annotations (an extra label or annotation on `live`, or a field the apiserver defaulted, counts
 * as a difference: applying again is then merely not skipped).
 */
export function templateUpToDate(live: KubeObject, desired: KubeObject): boolean {
  return (
    isDeepStrictEqual(live.spec, desired.spec) &&
    isDeepStrictEqual(live.metadata.labels ?? {}, desired.metadata.labels ?? {}) &&
    isDeepStrictEqual(live.metadata.annotations ?? {}, desired.metadata.annotations ?? {})
  );
}

/**
 * The HelmChart the template describes, applied with server-side apply unless `cached` (the
 * controller's informer) already holds it as described. `chart` is the HelmChart as it is now:
 * the cached copy, or what the apply answered (newer than the cache), so the chart step reads its
 * status without asking the API server again.
 */
export async function applyChartTemplate(
  client: Client,
  release: HelmReleaseObject,
  cached?: (ref: ObjectRef) => KubeObject | undefined,
): Promise<{ ref: ObjectRef & { namespace: string }; chart: KubeObject }> {
  const ref = chartTemplateRef(release);
  const desired = chartTemplateObject(release);
  const live = cached?.(ref);
  if (live && templateUpToDate(live, desired)) return { ref, chart: live };
  return { ref, chart: await client.apply(desired, { force: true }) };
}

export async function deleteChartTemplate(client: Client, ref: ObjectRef): Promise<void> {
  await client.delete(ref).catch((error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
  });
}
