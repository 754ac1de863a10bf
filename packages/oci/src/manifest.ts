import { OciError } from './errors.ts';
import { MediaType } from './media-types.ts';

/** A content descriptor: what a manifest says about its config and each layer. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** A single-platform image manifest (OCI or Docker v2 schema 2). */
export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/**
 * Parses and checks an image manifest. An index (multi-platform) is refused: an artifact is one
 * manifest, and choosing a platform has no meaning for manifests of Kubernetes objects.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, what: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OciError('InvalidManifest', `manifest ${what} is not JSON`);
  }
  const invalid = (why: string) => new OciError('InvalidManifest', `manifest ${what} ${why}`);
  if (typeof value !== 'object' || value === null) throw invalid('is not an object');
  const manifest = value as Partial<Manifest> & { manifests?: unknown };
  const mediaType = manifest.mediaType ?? contentType?.split(';')[0]?.trim() ?? MediaType.ociManifest;
  if (mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList || manifest.manifests)
    throw invalid('is an image index (multi-platform); an artifact must be a single image manifest');
  if (mediaType !== MediaType.ociManifest && mediaType !== MediaType.dockerManifest)
    throw invalid(`has unsupported media type "${mediaType}"`);
  if (manifest.schemaVersion !== 2) throw invalid('is not schemaVersion 2');
  if (!isDescriptor(manifest.config)) throw invalid('has no valid config descriptor');
  if (!Array.isArray(manifest.layers) || !manifest.layers.every(isDescriptor))
    throw invalid('has an invalid layers list');
  return { ...(manifest as Manifest), mediaType };
}

function isDescriptor(value: unknown): value is Descriptor {
  if (typeof value !== 'object' || value === null) return false;
  const descriptor = value as Partial<Descriptor>;
  return (
    typeof descriptor.mediaType === 'string' &&
    typeof descriptor.digest === 'string' &&
    typeof descriptor.size === 'number' &&
    (descriptor.annotations === undefined || typeof descriptor.annotations === 'object')
  );
}

/** A descriptor in an image index, as the referrers API lists them (with the artifact's type). */
export interface IndexEntry extends Descriptor {
  artifactType?: string;
}

/**
 * Parses an image index (the referrers API's answer, or its tag-schema fallback): only its
 * `manifests` descriptors are read.
 */
export function parseImageIndex(bytes: Buffer, what: string): IndexEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OciError('InvalidManifest', `index ${what} is not JSON`);
  }
  const manifests = (value as { manifests?: unknown } | null)?.manifests;
  if (manifests === undefined || manifests === null) return [];
  if (!Array.isArray(manifests) || !manifests.every(isDescriptor))
    throw new OciError('InvalidManifest', `index ${what} has an invalid manifests list`);
  return manifests as IndexEntry[];
}
