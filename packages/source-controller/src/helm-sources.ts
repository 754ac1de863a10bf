/**
 * Registers HelmRepository and HelmChart with source-controller's manager, over its cache: a
 * HelmChart is reconciled again when the source it reads (a HelmRepository, a GitRepository or a
 * Bucket) publishes a new artifact, found through an index of charts by source.
 */
import {
  BucketKind,
  GitRepositoryKind,
  HelmChartKind,
  HelmRepositoryKind,
  SourceApiVersion,
} from '@weft/api';
import { cacheKind, ObjectIndex } from '@weft/runtime/cache';
import { type Client, isRecord, type KubeObject } from '@weft/runtime/client';
import { type Manager, shardScope } from '@weft/runtime/manager';
import type { Controller } from '@weft/runtime/reconcile';
import { type HelmChartObject, HelmChartReconciler } from './helmchart/reconciler.ts';
import { type HelmRepositoryObject, HelmRepositoryReconciler } from './helmrepository/reconciler.ts';
import type { StorageSource } from './source/artifact-steps.ts';

export interface HelmSourcesOptions {
  client: Client;
  storage: StorageSource;
  gc?: { keep?: number; ttlMs?: number } | undefined;
  /** Largest index and chart tarball (--helm-index-max-size, --helm-chart-max-size). */
  limits?: { maxIndexBytes: number; maxChartBytes: number };
}

export interface HelmSources {
  helmRepositories: Controller<HelmRepositoryObject>;
  helmCharts: Controller<HelmChartObject>;
}

function artifactVersion(obj: KubeObject | undefined): string | undefined {
  const status = isRecord(obj?.status) ? obj.status : {};
  return isRecord(status.artifact) && typeof status.artifact.digest === 'string'
    ? `${String(status.artifact.revision)} ${status.artifact.digest}`
    : undefined;
}

const refKey = (kind: string, namespace: string | undefined, name: string | undefined) =>
  `${kind}/${namespace ?? ''}/${name ?? ''}`;

export function addHelmSources(manager: Manager, options: HelmSourcesOptions): HelmSources {
  const { client } = options;
  const scope = shardScope(manager.flags);
  const repositories = manager.cache.informer(
    cacheKind<HelmRepositoryObject>(SourceApiVersion, HelmRepositoryKind),
    scope,
  );
  const charts = manager.cache.informer(cacheKind<HelmChartObject>(SourceApiVersion, HelmChartKind), scope);
  const gc = options.gc ?? {};
  const helmRepositories = manager.addController<HelmRepositoryObject>({
    reconciler: new HelmRepositoryReconciler({
      client,
      storage: options.storage,
      gc,
      ...(options.limits && { maxIndexBytes: options.limits.maxIndexBytes }),
    }),
    informer: repositories,
    client,
  });
  const helmCharts = manager.addController<HelmChartObject>({
    reconciler: new HelmChartReconciler({
      client,
      storage: options.storage,
      gc,
      ...(options.limits && { limits: options.limits }),
    }),
    informer: charts,
    client,
  });
  const bySource = new ObjectIndex(charts, (chart) => [
    refKey(chart.spec.sourceRef.kind, chart.metadata.namespace, chart.spec.sourceRef.name),
  ]);
  const sources = [
    {
      kind: HelmRepositoryKind,
      informer: repositories as unknown as ReturnType<Manager['cache']['informer']>,
    },
    ...[GitRepositoryKind, BucketKind].map((kind) => ({
      kind,
      // The same informers the other source controllers use: the cache holds each kind once.
      informer: manager.cache.informer(cacheKind(SourceApiVersion, kind), { ...scope, waitForSync: false }),
    })),
  ];
  for (const source of sources) {
    helmCharts.watches(source.informer, (obj, oldObj) => {
      const version = artifactVersion(obj);
      if (version === undefined || version === artifactVersion(oldObj)) return [];
      return bySource.keys(refKey(source.kind, obj.metadata.namespace, obj.metadata.name));
    });
  }
  return { helmRepositories, helmCharts };
}
