/**
 * `spec.chart`: the HelmChart the controller creates for a HelmRelease, named
 * `<release-namespace>-<release-name>` in the source's namespace (as Flux), labelled with the
 * release it belongs to, and deleted with it.
 */
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

/** The HelmChart the template describes, applied with server-side apply. */
export async function applyChartTemplate(
  client: Client,
  release: HelmReleaseObject,
): Promise<ObjectRef & { namespace: string }> {
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
  const chart: KubeObject = {
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
  await client.apply(chart, { force: true });
  return ref;
}

export async function deleteChartTemplate(client: Client, ref: ObjectRef): Promise<void> {
  await client.delete(ref).catch((error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
  });
}
