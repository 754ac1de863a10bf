/**
 * The source step: find the object `spec.sourceRef` names and read the artifact it publishes in
 * `status.artifact`. Nothing else of source-controller is touched: the contract is the status
 * and the artifact's URL.
 */
import { type Artifact, SourceApiVersion } from '@weft/api';
import { isRecord, type KubeObject, type ObjectRef } from '@weft/runtime/client';
import type { KustomizationObject } from './types.ts';

export const sourceKinds = ['GitRepository', 'OCIRepository', 'Bucket'] as const;

/** The object `spec.sourceRef` names, namespace defaulted to the Kustomization's. */
export function sourceRefOf(obj: KustomizationObject): ObjectRef & { namespace: string } {
  const ref = obj.spec.sourceRef;
  return {
    apiVersion: ref.apiVersion ?? SourceApiVersion,
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace ?? obj.metadata.namespace ?? '',
  };
}

export type SourceState =
  | { ready: true; source: KubeObject; artifact: Artifact }
  | { ready: false; message: string };

function readArtifact(source: KubeObject): Artifact | undefined {
  const status = isRecord(source.status) ? source.status : {};
  const artifact = status.artifact;
  if (!isRecord(artifact)) return undefined;
  const { url, revision, digest, path, lastUpdateTime } = artifact;
  if (typeof url !== 'string' || typeof revision !== 'string' || typeof digest !== 'string') return undefined;
  return {
    ...artifact,
    url,
    revision,
    digest,
    path: typeof path === 'string' ? path : '',
    lastUpdateTime: typeof lastUpdateTime === 'string' ? lastUpdateTime : '',
  } as Artifact;
}

/** Finds a source by reference: the manager's cache, else a GET (`Client.find` has this shape). */
export type SourceFinder = (ref: ObjectRef & { namespace: string }) => Promise<KubeObject | undefined>;

/** Reads the source and its artifact; not found or without an artifact → not ready, with why. */
export async function getSource(
  find: SourceFinder,
  ref: ObjectRef & { namespace: string },
): Promise<SourceState> {
  const subject = `${ref.kind}/${ref.namespace}/${ref.name}`;
  const source = await find(ref);
  if (!source) return { ready: false, message: `Source '${subject}' not found` };
  const artifact = readArtifact(source);
  if (!artifact) return { ready: false, message: `Source '${subject}' is not ready, artifact not found` };
  return { ready: true, source, artifact };
}
