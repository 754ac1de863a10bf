/**
 * Drift detection (`spec.driftDetection`): the objects of the deployed release's manifest are
 * compared with the cluster through a server-side dry-run apply as Helm's own field manager
 * (`helm`); an object that is missing, or that the apply would change, has drifted. `enabled`
 * applies the manifest's version of the drifted objects again (as `helm`, so the next upgrade
 * owns the same fields); `warn` only reports them. Fields of `spec.driftDetection.ignore` are
 * taken from the live objects, so they are neither drift nor corrected.
 */
import type { Client, KubeObject } from '@weft/runtime/client';
import { ResourceManager } from '@weft/runtime/ssa';
import { parseAllDocuments } from 'yaml';
import type { IgnoredPaths } from './drift-ignore.ts';

/** Helm 4 applies with its binary's name as field manager. */
const helmFieldManager = 'helm';

export interface DriftResult {
  /** `Kind/namespace/name` of every drifted object. */
  drifted: string[];
  corrected: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
