/**
 * Drift detection (`spec.driftDetection`): the objects of the deployed release's manifest are
 * compared with the cluster through a server-side dry-run apply as Helm's own field manager
 * (`helm`); an object that is missing, or that the apply would change, has drifted. `enabled`
 * applies the manifest's version of the drifted objects again (as `helm`, so the next upgrade
 * owns the same fields); `warn` only reports them. Fields of `spec.driftDetection.ignore` are
 * taken from the live objects, so they are neither drift nor corrected.
 */
import { type Client, isRecord, type KubeObject } from '@weft/runtime/client';
import type { ReconcileContext } from '@weft/runtime/reconcile';
import { ResourceManager } from '@weft/runtime/ssa';
import { parseAllDocuments } from 'yaml';
import { driftIgnoredPaths, type IgnoredPaths } from './drift-ignore.ts';
import type { HelmReleaseRecord } from './helm/storage.ts';
import { HelmReleaseReason as R } from './reasons.ts';
import { revisionName } from './snapshots.ts';
import type { HelmReleaseObject } from './types.ts';

/** Helm 4 applies with its binary's name as field manager. */
const helmFieldManager = 'helm';

export interface DriftResult {
  /** `Kind/namespace/name` of every drifted object. */
  drifted: string[];
  corrected: boolean;
}

/** The objects of a release manifest, namespaced ones defaulted to the release namespace. */
export async function manifestObjects(
  client: Client,
  manifest: string,
  namespace: string,
): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') continue;
    const obj = value as unknown as KubeObject;
    obj.metadata ??= {};
    const mapping = await client.mapping(obj.apiVersion, obj.kind);
    if (mapping.namespaced) obj.metadata.namespace ??= namespace;
    else delete obj.metadata.namespace;
    objects.push(obj);
  }
  return objects;
}

function subject(obj: KubeObject): string {
  return `${obj.kind}/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}

export async function detectDrift(
  client: Client,
  manifest: string,
  namespace: string,
  correct: boolean,
  ignoredPaths?: IgnoredPaths,
): Promise<DriftResult> {
  const manager = new ResourceManager(client, { fieldManager: helmFieldManager });
  const objects = await manifestObjects(client, manifest, namespace);
  const drifted: KubeObject[] = [];
  for (const obj of objects) {
    const plan = await manager.plan(obj, ignoredPaths ? { ignoredPaths } : {});
    if (plan.action === 'created' || plan.action === 'configured') drifted.push(obj);
  }
  if (correct && drifted.length > 0) await manager.applyAll(drifted, ignoredPaths ? { ignoredPaths } : {});
  return { drifted: drifted.map(subject), corrected: correct && drifted.length > 0 };
}

/** driftDetection: compare the deployed manifest with the cluster; correct or warn. */
export async function reportDrift(
  obj: HelmReleaseObject,
  ctx: ReconcileContext,
  target: { cluster: { client: Client }; namespace: string },
  latest: HelmReleaseRecord,
): Promise<void> {
  const mode = obj.spec.driftDetection?.mode;
  if (mode !== 'enabled' && mode !== 'warn') return;
  const result = await detectDrift(
    target.cluster.client,
    latest.manifest,
    target.namespace,
    mode === 'enabled',
    driftIgnoredPaths(obj),
  );
  if (result.drifted.length === 0) return;
  const list = result.drifted.slice(0, 10).join(', ') + (result.drifted.length > 10 ? ', …' : '');
  await ctx.events.record(obj, {
    type: result.corrected ? 'Normal' : 'Warning',
    reason: result.corrected ? R.DriftCorrected : R.DriftDetected,
    note: `${result.corrected ? 'Cluster state of release' : 'Drift detected in release'} ${revisionName(latest)} ${result.corrected ? 'corrected: ' : ': '}${list}`,
    revision: latest.chartVersion,
    action: 'DriftDetection',
  });
}
