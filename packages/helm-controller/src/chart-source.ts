/**
 * The chart step: the HelmChart a release reads (the one its `spec.chart` template made, or
 * `spec.chartRef`), or the OCIRepository of `spec.chartRef` whose artifact is a chart (its chart
 * layer, as Flux), ready at its current generation, and its artifact, downloaded, verified and
 * unpacked (shared by digest between releases of the same chart).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Artifact, OCIRepositoryKind, SourceApiVersion } from '@weft/api';
import type { ArtifactCache, CachedArtifact } from '@weft/artifact';
import { type Client, isRecord, type KubeObject, type ObjectRef } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { parse } from 'yaml';
import type { HelmReleaseObject } from './types.ts';

export type ChartState =
  | {
      ready: true;
      chartDir: string;
      chartName: string;
      /** The chart version: a HelmChart's artifact revision, an OCI chart's Chart.yaml. */
      chartVersion: string;
      artifact: Artifact;
      cached: CachedArtifact;
    }
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

/** Chart.yaml's name and version, for an OCIRepository artifact (its revision is a digest). */
async function chartMetadata(chartDir: string, where: string): Promise<{ name: string; version: string }> {
  const text = await readFile(join(chartDir, 'Chart.yaml'), 'utf8').catch(() => undefined);
  const metadata: unknown = text === undefined ? undefined : parse(text, { maxAliasCount: 10 });
  const name = isRecord(metadata) ? metadata.name : undefined;
  const version = isRecord(metadata) ? metadata.version : undefined;
  if (typeof name !== 'string' || typeof version !== 'string')
    throw new ChartArtifactError(
      `the artifact of ${where} holds no Helm chart (no Chart.yaml with name and version): select the chart layer (layerSelector mediaType application/vnd.cncf.helm.chart.content.v1.tar+gzip)`,
    );
  return { name, version };
}

/** The artifact does not hold a chart: the user must fix the source. */
export class ChartArtifactError extends Error {
  override name = 'ChartArtifactError';
}

export async function readChart(
  client: Pick<Client, 'find'>,
  artifacts: ArtifactCache,
  ref: ObjectRef & { namespace: string },
): Promise<ChartState> {
  const where = `${ref.kind} '${ref.namespace}/${ref.name}'`;
  const chart = await client.find<
    KubeObject & { status?: { artifact?: Artifact; observedGeneration?: number } }
  >(ref);
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
    const dirName = artifact.metadata?.chartName ?? top[0] ?? '';
    if (!top.includes(dirName))
      throw new ChartArtifactError(`the artifact of ${where} holds no chart directory`);
    const chartDir = join(cached.dir, dirName);
    if (ref.kind !== OCIRepositoryKind)
      return { ready: true, chartDir, chartName: dirName, chartVersion: artifact.revision, artifact, cached };
    const metadata = await chartMetadata(chartDir, where);
    return {
      ready: true,
      chartDir,
      chartName: metadata.name,
      chartVersion: metadata.version,
      artifact,
      cached,
    };
  } catch (error) {
    cached.release();
    throw error;
  }
}
