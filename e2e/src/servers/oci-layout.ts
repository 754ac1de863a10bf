/**
 * Pushes an image from an OCI image layout directory (what @weft/image writes) to a registry
 * with the distribution API: every blob the repository lacks (asked with HEAD first, so a second
 * push of the same or a mostly-same image uploads only what changed), then the manifest's own
 * bytes, so the pushed image has the digest the build printed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { basicAuthHeader } from './basic-auth.ts';
import {
  blobExists,
  mountBlob,
  type OciManifest,
  OciRequestError,
  type OciTarget,
  pushBlob,
  sha256Digest,
} from './oci-client.ts';

interface LayoutIndex {
  manifests: { mediaType: string; digest: string }[];
}

const blobPath = (layoutDir: string, digest: string) =>
  join(layoutDir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));

export interface PushLayoutOptions {
  /**
   * Repositories of the same registry that may hold some of the blobs (images pushed before):
   * a blob one of them has is mounted from it instead of uploaded (cross-repository mount).
   */
  mountFrom?: readonly string[];
}

/** Pushes the layout's (first) image as `repository:tag`; returns the manifest digest. */
export async function pushImageLayout(
  target: OciTarget,
  layoutDir: string,
  repository: string,
  tag: string,
  options: PushLayoutOptions = {},
): Promise<string> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as LayoutIndex;
  const entry = index.manifests[0];
  if (!entry) throw new Error(`${layoutDir}/index.json names no image`);
  const manifestBytes = await readFile(blobPath(layoutDir, entry.digest));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as OciManifest;
  for (const descriptor of [manifest.config, ...manifest.layers]) {
    // A controller image's Node layer is ~50 MiB and the same in every build: never send it twice.
    if (await blobExists(target, repository, descriptor.digest)) continue;
    if (await mountedFromAny(target, repository, descriptor.digest, options.mountFrom ?? [])) continue;
    await pushBlob(target, repository, {
      mediaType: descriptor.mediaType,
      data: await readFile(blobPath(layoutDir, descriptor.digest)),
    });
  }
  const response = await fetch(`${target.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: {
      'Content-Type': entry.mediaType,
      ...(target.auth ? { Authorization: basicAuthHeader(target.auth) } : {}),
    },
    body: manifestBytes,
  });
  if (response.status !== 201) {
    throw new OciRequestError(`put manifest ${repository}:${tag}`, response.status, await response.text());
  }
  await response.arrayBuffer();
  return sha256Digest(manifestBytes);
}

async function mountedFromAny(
  target: OciTarget,
  repository: string,
  digest: string,
  candidates: readonly string[],
): Promise<boolean> {
  for (const from of candidates) {
    if (from === repository || !(await blobExists(target, from, digest))) continue;
    if (await mountBlob(target, repository, digest, from)) return true;
  }
  return false;
}
