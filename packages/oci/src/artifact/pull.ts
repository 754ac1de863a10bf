import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultLimits, extractArchive } from '@weft/artifact';
import type { FetchedManifest, RegistryClient } from '../client.ts';
import type { Descriptor } from '../manifest.ts';
import { selectLayer } from './layer.ts';

export interface PullArtifactOptions {
  client: RegistryClient;
  repository: string;
  /** A tag or `sha256:` digest. */
  reference: string;
  /** Extracted into this directory (created; must be empty or absent). */
  dir: string;
  mediaType?: string;
  maxSize?: number;
  maxFiles?: number;
}

export interface PulledArtifact {
  manifest: FetchedManifest;
  layer: Descriptor;
}

/** Downloads the content layer (digest-checked, size-capped) and extracts it with the artifact protections. */
export async function pullArtifact(options: PullArtifactOptions): Promise<PulledArtifact> {
  const { client, repository, reference } = options;
  const manifest = await client.getManifest(repository, reference);
  const layer = selectLayer(manifest.manifest, options.mediaType, `${repository}:${reference}`);
  const limits = {
    maxSize: options.maxSize ?? defaultLimits.maxSize,
    maxFiles: options.maxFiles ?? defaultLimits.maxFiles,
  };
  const work = await mkdtemp(join(options.dir, '..', '.weft-pull-'));
  try {
    const archive = join(work, 'layer.tar.gz');
    await client.downloadBlob(repository, layer, archive, limits.maxSize);
    await mkdir(options.dir, { recursive: true });
    await extractArchive(archive, options.dir, limits);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { manifest, layer };
}
