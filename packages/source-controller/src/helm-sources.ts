/**
 * Registers HelmRepository and HelmChart with source-controller's manager: a HelmChart is
 * reconciled again when the source it reads (a HelmRepository, a GitRepository or a Bucket)
 * publishes a new artifact.
 */
import { HelmChartKind, HelmRepositoryKind, SourceApiVersion } from '@weft/api';
import type { Storage } from '@weft/artifact';
import { type Client, Informer, isRecord, type KubeObject, type Manager, objectKey } from '@weft/runtime';
import { type HelmChartObject, HelmChartReconciler } from './helmchart/reconciler.ts';
import { type HelmRepositoryObject, HelmRepositoryReconciler } from './helmrepository/reconciler.ts';

export interface HelmSourcesOptions {
  client: Client;
  storage: Storage;
  gc?: { keep?: number; ttlMs?: number };
  namespace: string | undefined;
  labelSelector: string | undefined;
  /** Informers of other source kinds a chart may come from (GitRepository, Bucket). */
  artifactSources: Informer[];
}

function artifactDigest(obj: KubeObject | undefined): string | undefined {
  const status = isRecord(obj?.status) ? obj.status : {};
  return isRecord(status.artifact) && typeof status.artifact.digest === 'string'
    ? `${String(status.artifact.revision)} ${status.artifact.digest}`
    : undefined;
}

export function addHelmSources(manager: Manager, options: HelmSourcesOptions): void {
  const { client } = options;
  const watch = <T extends KubeObject>(kind: string) =>
    new Informer<T>(client, {
      apiVersion: SourceApiVersion,
      kind,
      namespace: options.namespace,
      labelSelector: options.labelSelector,
    });
  const repositories = watch<HelmRepositoryObject>(HelmRepositoryKind);
  const charts = watch<HelmChartObject>(HelmChartKind);
  manager.addController({
    reconciler: new HelmRepositoryReconciler({ client, storage: options.storage, gc: options.gc ?? {} }),
    informer: repositories,
    client,
  });
  const chartController = manager.addController({
    reconciler: new HelmChartReconciler({ client, storage: options.storage, gc: options.gc ?? {} }),
    informer: charts,
    client,
  });
  const onSource = (oldObj: KubeObject | undefined, newObj: KubeObject) => {
    const digest = artifactDigest(newObj);
    if (digest === undefined || digest === artifactDigest(oldObj)) return;
    for (const chart of charts.list(newObj.metadata.namespace)) {
      const ref = chart.spec.sourceRef;
      if (ref.kind === newObj.kind && ref.name === newObj.metadata.name)
        chartController.queue.add(objectKey(chart));
    }
  };
  for (const informer of [repositories as unknown as Informer, ...options.artifactSources]) {
    informer.onUpdate(onSource);
    informer.onAdd((obj) => onSource(undefined, obj));
  }
}
