import { createHash } from 'node:crypto';
import type { HelmReleaseObject } from '../types.ts';

/**
 * `spec.releaseName`, else `[<targetNamespace>-]<name>`; a default longer than Helm's 53
 * characters is cut to 40 and given a 12-character hash of the whole, as Flux does.
 */
export function releaseNameOf(release: HelmReleaseObject): string {
  if (release.spec.releaseName) return release.spec.releaseName;
  const name = release.metadata.name ?? '';
  const full = release.spec.targetNamespace ? `${release.spec.targetNamespace}-${name}` : name;
  if (full.length <= 53) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 12);
  return `${full.slice(0, 40)}-${hash}`;
}
