/**
 * Writes an image as an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/`):
 * the standard on-disk form that registries' clients, `ctr images import` (as a tar) and skopeo
 * read. The config and manifest are serialised with a fixed key order and no timestamps, so the
 * manifest digest depends only on the layers and the settings.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Layer, layerMediaType } from './layer.ts';

export const manifestMediaType = 'application/vnd.oci.image.manifest.v1+json';
export const configMediaType = 'application/vnd.oci.image.config.v1+json';
export const indexMediaType = 'application/vnd.oci.image.index.v1+json';

export interface ImageSettings {
  entrypoint: string[];
  cmd?: string[];
  /** `uid:gid`. */
  user: string;
  env: string[];
  workingDir: string;
  labels?: Record<string, string>;
}

export interface WrittenImage {
  /** `sha256:` of the manifest: the image's identity. */
  digest: string;
  /** The layout directory. */
  dir: string;
  /** The reference the index names it by (`org.opencontainers.image.ref.name`, `io.containerd.image.name`). */
  reference: string;
  /** Compressed size of all layers plus config, in bytes. */
  size: number;
}

const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export async function writeImageLayout(
  dir: string,
  reference: string,
  layers: readonly Layer[],
  settings: ImageSettings,
): Promise<WrittenImage> {
  await rm(dir, { recursive: true, force: true });
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const putBlob = async (data: string) => {
    const digest = hex(data);
    await writeFile(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  for (const layer of layers) await copyFile(layer.path, join(blobs, layer.digest.slice('sha256:'.length)));

  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: settings.user,
      Env: settings.env,
      Entrypoint: settings.entrypoint,
      ...(settings.cmd ? { Cmd: settings.cmd } : {}),
      WorkingDir: settings.workingDir,
      ...(settings.labels ? { Labels: settings.labels } : {}),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
  });
  const configBlob = await putBlob(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: { mediaType: configMediaType, ...configBlob },
    layers: layers.map((layer) => ({ mediaType: layerMediaType, digest: layer.digest, size: layer.size })),
  });
  const manifestBlob = await putBlob(manifest);
  const tag = reference.slice(reference.lastIndexOf(':') + 1);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: indexMediaType,
      manifests: [
        {
          mediaType: manifestMediaType,
          ...manifestBlob,
          annotations: { 'io.containerd.image.name': reference, 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  const size = configBlob.size + layers.reduce((sum, layer) => sum + layer.size, 0);
  return { digest: manifestBlob.digest, dir, reference, size };
}
