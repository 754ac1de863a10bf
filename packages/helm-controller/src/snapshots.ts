/** status.history: the release revisions Helm stores, as Flux's snapshots (newest first, at most 5). */
import type { HelmReleaseSnapshot } from '@weft/api';
import { configDigest, type HelmReleaseRecord } from './helm/storage.ts';

const keptSnapshots = 5;

export function snapshotOf(record: HelmReleaseRecord): HelmReleaseSnapshot {
  const snapshot: HelmReleaseSnapshot = {
    name: record.name,
    namespace: record.namespace,
    version: record.version,
    status: record.status,
    chartName: record.chartName,
    chartVersion: record.chartVersion,
    configDigest: configDigest(record.config),
    firstDeployed: record.firstDeployed ?? record.lastDeployed ?? '',
    lastDeployed: record.lastDeployed ?? record.firstDeployed ?? '',
  };
  if (record.appVersion) snapshot.appVersion = record.appVersion;
  if (record.deleted) snapshot.deleted = record.deleted;
  if (Object.keys(record.testHooks).length > 0) snapshot.testHooks = record.testHooks;
  return snapshot;
}

export function snapshots(history: readonly HelmReleaseRecord[]): HelmReleaseSnapshot[] {
  return history.slice(0, keptSnapshots).map(snapshotOf);
}

/** `<namespace>/<name>.v<version>`, how Flux names a release revision in messages. */
export function revisionName(record: Pick<HelmReleaseRecord, 'namespace' | 'name' | 'version'>): string {
  return `${record.namespace}/${record.name}.v${record.version}`;
}
