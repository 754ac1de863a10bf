/**
 * HelmChart's pull from a HelmRepository: from an HTTP repository (the version from its index
 * artifact, the tarball digest-checked against the index) or from an OCI one (the version from
 * the chart's tags, cosign on the manifest digest, the chart layer size- and digest-checked).
 * Either way nothing is downloaded when the stored artifact is still the chart asked for.
 */
import { writeFile } from 'node:fs/promises';
import { ConditionType, type HelmChartStatus, type HelmRepository } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import type { ReconcileContext } from '@weft/runtime/reconcile';
import { repositoryTransport } from '../helm/auth.ts';
import type { IndexCache } from '../helm/index-cache.ts';
import { selectChartVersion } from '../helm/index-file.ts';
import { downloadIndexedChart } from '../helm/indexed-chart.ts';
import { downloadOciChart, ociChartError, ociChartReference, resolveOciChart } from '../helm/oci-chart.ts';
import { HelmReason } from '../helm/reasons.ts';
import { registryClientFor } from '../source/registry.ts';
import { reconcileSignature, verifiedFor } from '../source/verify-step.ts';
import {
  type BuildInput,
  chartStep,
  chartUpToDate,
  type HelmChartObject,
  SourceNotReady,
  verifyNotSupported,
} from './step.ts';

/** What one chart pull needs: the object, its repository, where the tarball goes, the deadline. */
export interface ChartPull {
  obj: HelmChartObject;
  status: HelmChartStatus;
  ctx: ReconcileContext;
  client: Pick<Client, 'get'>;
  tarball: string;
  /** Whether the artifact in status is still in storage. */
  stored: boolean;
  repository: HelmRepository & KubeObject;
  timeoutMs: number;
  signal: AbortSignal;
  maxChartBytes: number;
}

/** A pulled chart (`fresh`: its tarball was downloaded), or the stored one still current. */
export type PullOutcome = { input: BuildInput; fresh: boolean };

/** From an HTTP repository: the version from its index artifact, the tarball digest-checked against the index. */
export async function pullIndexed(pull: ChartPull, indexes: IndexCache): Promise<PullOutcome> {
  const { obj, status, ctx, repository } = pull;
  if (obj.spec.verify !== undefined) throw verifyNotSupported(`an HTTP HelmRepository`);
  const where = `HelmRepository '${repository.metadata.namespace}/${repository.metadata.name}'`;
  const indexArtifact = repository.status?.artifact;
  if (!indexArtifact) throw new SourceNotReady(`${where} has no index artifact yet: see its Ready condition`);
  return chartStep(obj, ConditionType.FetchFailed, HelmReason.ChartPullFailed, ctx, async () => {
    const index = await indexes.get(indexArtifact);
    const entry = selectChartVersion(index, obj.spec.chart, obj.spec.version ?? '*');
    const input = { chartName: entry.name, version: entry.version, sourceRevision: indexArtifact.revision };
    if (pull.stored && chartUpToDate(obj, status, input.version)) return { input, fresh: false };
    const bytes = await downloadIndexedChart({
      repositoryUrl: repository.spec.url,
      entry,
      transport: await repositoryTransport(pull.client, repository),
      passCredentials: repository.spec.passCredentials === true,
      timeoutMs: pull.timeoutMs,
      maxBytes: pull.maxChartBytes,
      signal: pull.signal,
    });
    await writeFile(pull.tarball, bytes);
    return { input, fresh: true };
  });
}

/**
 * From an OCI HelmRepository: the version from the chart's tags (one HEAD for an exact version),
 * `spec.verify` checked on the manifest digest, the chart layer downloaded size- and
 * digest-checked. Nothing is downloaded when the version, its digest, the chart name and values
 * files are those of the stored artifact.
 */
export async function pullOci(pull: ChartPull): Promise<PullOutcome> {
  const { obj, status, ctx, repository } = pull;
  const pullStep = <T>(body: () => Promise<T>) =>
    chartStep(obj, ConditionType.FetchFailed, HelmReason.ChartPullFailed, ctx, () =>
      body().catch((error: unknown) => {
        throw ociChartError(error);
      }),
    );
  const ref = await pullStep(async () => ociChartReference(repository.spec.url, obj.spec.chart));
  const registry = await pullStep(() =>
    registryClientFor(
      pull.client,
      {
        namespace: repository.metadata.namespace ?? '',
        secretRef: repository.spec.secretRef,
        certSecretRef: repository.spec.certSecretRef,
        insecure: repository.spec.insecure,
        basicAuthSecret: true,
      },
      ref,
      pull.signal,
    ),
  );
  try {
    const chosen = await pullStep(() =>
      resolveOciChart(registry, ref, obj.spec.chart, obj.spec.version ?? '*'),
    );
    const input = { chartName: obj.spec.chart, version: chosen.version, sourceRevision: chosen.digest };
    if (
      pull.stored &&
      chartUpToDate(obj, status, input.version) &&
      status.observedSourceArtifactRevision === chosen.digest &&
      verifiedFor(obj, obj.spec.verify, chosen.digest)
    )
      return { input, fresh: false };
    await reconcileSignature(
      obj,
      obj.spec.verify,
      { client: pull.client, registry, repository: ref.repository, digest: chosen.digest },
      ctx,
    );
    await pullStep(() => downloadOciChart(registry, ref, chosen.digest, pull.tarball, pull.maxChartBytes));
    return { input, fresh: true };
  } finally {
    registry.close();
  }
}
