/**
 * An image layer: a deterministic tar.gz of part of a staged root filesystem, made by
 * @weft/artifact's builder (sorted entries, mtime 0, uid/gid 0, normalised modes, fixed gzip
 * header), so the same files always give the same layer digest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type BuildFilter, buildArtifact } from '@weft/artifact';

export const layerMediaType = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Layer {
  /** `sha256:` of the compressed bytes (the blob). */
  digest: string;
  /** `sha256:` of the uncompressed tar (the config's rootfs.diff_ids). */
  diffId: string;
  size: number;
  path: string;
}

async function uncompressedDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), createGunzip(), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) hash.update(chunk);
  });
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The entries of `root` that `include` accepts, as one layer written to `out`. `include` sees
 * paths relative to the root (`usr/local/bin/node`), directories included.
 */
export async function buildLayer(root: string, out: string, include: BuildFilter): Promise<Layer> {
  const built = await buildArtifact({ dir: root, out, filter: include });
  return {
    digest: built.digest,
    diffId: await uncompressedDigest(built.path),
    size: built.size,
    path: built.path,
  };
}

/** A filter that takes the given top-level paths (and everything below them). */
export function under(...prefixes: string[]): BuildFilter {
  return (path) =>
    prefixes.some(
      (prefix) => path === prefix || path.startsWith(`${prefix}/`) || prefix.startsWith(`${path}/`),
    );
}
