/**
 * What the spec asks for at this reconcile (chart, values, post-renderers, their digests), how an
 * attempt to release it is recorded in the status (`lastAttempted*`, as Flux), and what the
 * post-renderer plugin is given.
 */
import type { HelmReleaseStatus } from '@weft/api';
import type { PostRenderSpec } from './postrender/render.ts';
import type { Action } from './remediation.ts';
import type { HelmReleaseObject } from './types.ts';

export interface Desired {
  chartName: string;
  chartVersion: string;
  artifactDigest: string;
  configDigest: string;
  /** Digest of spec.postRenderers, '' without any. */
  postRenderersDigest: string;
  values: Record<string, unknown>;
  chartDir: string;
}

export function recordAttempt(
  obj: HelmReleaseObject,
  status: HelmReleaseStatus,
  desired: Desired,
  action: Action | string,
): void {
  status.lastAttemptedRevision = desired.chartVersion;
  status.lastAttemptedRevisionDigest = desired.artifactDigest;
  status.lastAttemptedConfigDigest = desired.configDigest;
  status.lastAttemptedValuesChecksum = desired.configDigest;
  if (obj.metadata.generation !== undefined) status.lastAttemptedGeneration = obj.metadata.generation;
  status.lastAttemptedReleaseAction = action === 'install' ? 'install' : 'upgrade';
}

/** What the post-renderer plugin applies, or undefined when there is nothing to post-render. */
export function postRenderSpecOf(obj: HelmReleaseObject): PostRenderSpec | undefined {
  const postRenderers = obj.spec.postRenderers ?? [];
  const { commonMetadata } = obj.spec;
  const hasMetadata =
    Object.keys(commonMetadata?.labels ?? {}).length + Object.keys(commonMetadata?.annotations ?? {}).length >
    0;
  if (postRenderers.length === 0 && !hasMetadata) return undefined;
  return hasMetadata ? { postRenderers, commonMetadata } : { postRenderers };
}
