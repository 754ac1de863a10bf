/**
 * The chart step: the HelmChart a release reads (the one its `spec.chart` template made, or
 * `spec.chartRef`), ready at its current generation, and its artifact, downloaded, verified and
 * unpacked (shared by digest between releases of the same chart).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Artifact, HelmChartKind, SourceApiVersion } from '@weft/api';
import type { ArtifactCache, CachedArtifact } from '@weft/artifact';
import { type Client, isRecord, type KubeObject, type ObjectRef } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import type { HelmReleaseObject } from './types.ts';

export type ChartState =
  | { ready: true; chartDir: string; chartName: string; artifact: Artifact; cached: CachedArtifact }
  | { ready: false; message: string };

export function chartRefOf(release: HelmReleaseObject): ObjectRef & { namespace: string } {
  const ref = release.spec.chartRef;
  if (!ref) throw new Error('chartRefOf: spec.chartRef is not set');
  return {
    apiVersion: ref.apiVersion ?? SourceApiVersion,
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace ?? release.metadata.namespace ?? '',
  };
}

export async function readChart(
  client: Pick<Client, 'find'>,
  artifacts: ArtifactCache,
  ref: ObjectRef & { namespace: string },
): Promise<ChartState> {
  const where = `HelmChart '${ref.namespace}/${ref.name}'`;
  const chart = await client.find<
    KubeObject & { status?: { artifact?: Artifact; observedGeneration?: number } }
  >({
    ...ref,
    kind: HelmChartKind,
  });
  if (!chart) return { ready: false, message: `${where} not found` };
  const cond = chart as unknown as conditions.Conditioned;
  const status = isRecord(chart.status) ? chart.status : {};
  const current = status.observedGeneration === chart.metadata.generation;
  if (!current || !conditions.isTrue(cond, 'Ready')) {
    const message = conditions.getMessage(cond, 'Ready');
    const stalled = conditions.getMessage(cond, 'Stalled');
    const why = stalled ?? (current && message ? message : 'it is being reconciled');
    return { ready: false, message: `${where} is not ready: ${why}` };
  }
  const artifact = status.artifact;
  if (!artifact) return { ready: false, message: `${where} has no artifact` };
  const cached = await artifacts.acquire({ url: artifact.url, digest: artifact.digest });
  try {
    const top = await readdir(cached.dir);
    const chartName = artifact.metadata?.chartName ?? top[0] ?? '';
    if (!top.includes(chartName)) throw new Error(`the artifact of ${where} holds no chart directory`);
    return { ready: true, chartDir: join(cached.dir, chartName), chartName, artifact, cached };
  } catch (error) {
    cached.release();
    throw error;
  }
}
