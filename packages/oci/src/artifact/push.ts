import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type BuildFilter, buildArtifact } from '@weft/artifact';
import type { RegistryClient } from '../client.ts';
import type { Descriptor, Manifest } from '../manifest.ts';
import { Annotation, MediaType } from '../media-types.ts';

export interface PushArtifactOptions {
  client: RegistryClient;
  repository: string;
  tag: string;
  /** The directory packed into the one content layer. */
  dir: string;
  filter?: BuildFilter;
  /** Where the content came from (a Git URL), `org.opencontainers.image.source`. */
  source?: string | undefined;
  /** Which revision of it (`main@sha1:…`), `org.opencontainers.image.revision`. */
  revision?: string | undefined;
  /** `org.opencontainers.image.created`; default now. Pass a fixed time for reproducible manifests. */
  created?: Date;
  annotations?: Record<string, string>;
}

export interface PushedArtifact {
  /** `sha256:<hex>` of the manifest. */
  digest: string;
  manifest: Manifest;
  layer: Descriptor;
}

/**
 * Packs `dir` deterministically (the same files give the same layer digest) and pushes it as an
 * artifact in the shape of `flux push artifact`: an empty config of Flux's config media type,
 * one layer of Flux's content media type, and the source, revision and created annotations on the
 * manifest. Flux's source-controller and weft's both read it.
 */
export async function pushArtifact(options: PushArtifactOptions): Promise<PushedArtifact> {
  const built = await buildArtifact({
    dir: options.dir,
    ...(options.filter ? { filter: options.filter } : {}),
  });
  try {
    const { client, repository } = options;
    const config = await client.pushBlob(repository, Buffer.from('{}'), MediaType.fluxConfig);
    const layer = await client.pushBlob(repository, await readFile(built.path), MediaType.fluxContent);
    const annotations: Record<string, string> = {
      [Annotation.created]: (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(options.source ? { [Annotation.source]: options.source } : {}),
      ...(options.revision ? { [Annotation.revision]: options.revision } : {}),
      ...options.annotations,
    };
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config,
      layers: [layer],
      annotations,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = await client.pushManifest(repository, options.tag, bytes, MediaType.ociManifest);
    return { digest, manifest, layer };
  } finally {
    await rm(dirname(built.path), { recursive: true, force: true });
  }
}

/** Points `newTag` at the manifest `reference` names (a tag or digest), without touching blobs. */
export async function tagArtifact(
  client: RegistryClient,
  repository: string,
  reference: string,
  newTag: string,
): Promise<string> {
  const fetched = await client.getManifest(repository, reference);
  return client.pushManifest(repository, newTag, fetched.bytes, fetched.mediaType);
}
