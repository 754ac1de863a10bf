import { OciError } from '../errors.ts';
import type { Descriptor, Manifest } from '../manifest.ts';
import { contentLayerMediaTypes } from '../media-types.ts';

/**
 * The layer a source takes: the first of `mediaType` when given, else the first layer whose type
 * is a known content tarball (weft's, Flux's, OCI's or Docker's), else the first layer.
 */
export function selectLayer(manifest: Manifest, mediaType: string | undefined, what: string): Descriptor {
  if (manifest.layers.length === 0) throw new OciError('InvalidManifest', `artifact ${what} has no layers`);
  if (mediaType !== undefined) {
    const layer = manifest.layers.find((candidate) => candidate.mediaType === mediaType);
    if (!layer) {
      const found = [...new Set(manifest.layers.map((candidate) => candidate.mediaType))].join(', ');
      throw new OciError(
        'NotFound',
        `artifact ${what} has no layer of media type ${mediaType} (it has: ${found})`,
      );
    }
    return layer;
  }
  return (
    manifest.layers.find((candidate) => contentLayerMediaTypes.includes(candidate.mediaType)) ??
    (manifest.layers[0] as Descriptor)
  );
}
