/**
 * A minimal client of the OCI distribution API, built on `fetch`, for tests to put artifacts in a
 * registry and read them back: blob upload (monolithic POST + PUT), manifest PUT and GET.
 */
import { createHash } from 'node:crypto';
import { type BasicAuth, basicAuthHeader } from './basic-auth.ts';

export const ociManifestMediaType = 'application/vnd.oci.image.manifest.v1+json';
export const ociEmptyMediaType = 'application/vnd.oci.empty.v1+json';

/** Where to push: a registry base URL (`http://127.0.0.1:PORT`) and optional credentials. */
export interface OciTarget {
  url: string;
  auth?: BasicAuth | undefined;
}

export interface OciBlob {
  mediaType: string;
  data: string | Uint8Array;
  annotations?: Record<string, string>;
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface PushArtifactOptions {
  layers: readonly OciBlob[];
  /** Default: the empty JSON object with media type `application/vnd.oci.empty.v1+json`. */
  config?: OciBlob;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface PushedArtifact {
  /** `sha256:<hex>` of the manifest bytes. */
  digest: string;
  manifest: OciManifest;
}

export class OciRequestError extends Error {
  readonly status: number;
  constructor(what: string, status: number, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`);
    this.name = 'OciRequestError';
    this.status = status;
  }
}

export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function headers(target: OciTarget, extra: Record<string, string> = {}): Record<string, string> {
  return target.auth ? { Authorization: basicAuthHeader(target.auth), ...extra } : extra;
}

async function expectStatus(what: string, response: Response, expected: readonly number[]): Promise<void> {
  if (expected.includes(response.status)) return;
  throw new OciRequestError(what, response.status, await response.text());
}

/**
 * Whether the repository holds the blob already (`HEAD /v2/<name>/blobs/<digest>`: 200 yes, 404
 * no). A registry links a blob per repository, so the same layer in another repository is a 404.
 */
export async function blobExists(target: OciTarget, repository: string, digest: string): Promise<boolean> {
  const response = await fetch(`${target.url}/v2/${repository}/blobs/${digest}`, {
    method: 'HEAD',
    headers: headers(target),
  });
  await response.arrayBuffer();
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  throw new OciRequestError(`check blob ${digest} in ${repository}`, response.status, '');
}

/**
 * Asks the registry to link a blob of repository `from` into `repository` without sending it
 * (`POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`): 201 mounted; a registry that
 * cannot (202, an upload session instead) gets that session cancelled, and the caller uploads.
 */
export async function mountBlob(
  target: OciTarget,
  repository: string,
  digest: string,
  from: string,
): Promise<boolean> {
  const url = new URL(`${target.url}/v2/${repository}/blobs/uploads/`);
  url.searchParams.set('mount', digest);
  url.searchParams.set('from', from);
  const response = await fetch(url, { method: 'POST', headers: headers(target) });
  await response.arrayBuffer();
  if (response.status === 201) return true;
  await expectStatus(`mount ${digest} from ${from} into ${repository}`, response, [202]);
  const location = response.headers.get('location');
  if (location) {
    const cancel = await fetch(new URL(location, target.url), { method: 'DELETE', headers: headers(target) });
    await cancel.arrayBuffer();
  }
  return false;
}

/** Uploads a blob (monolithic upload) and returns its descriptor. */
export async function pushBlob(target: OciTarget, repository: string, blob: OciBlob): Promise<OciDescriptor> {
  const bytes = typeof blob.data === 'string' ? Buffer.from(blob.data, 'utf8') : Buffer.from(blob.data);
  const digest = sha256Digest(bytes);
  const start = await fetch(`${target.url}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: headers(target),
  });
  await expectStatus(`start upload to ${repository}`, start, [202]);
  await start.arrayBuffer();
  const location = start.headers.get('location');
  if (!location) throw new Error(`registry gave no upload location for ${repository}`);
  const uploadUrl = new URL(location, target.url);
  uploadUrl.searchParams.set('digest', digest);
  const put = await fetch(uploadUrl, {
    method: 'PUT',
    headers: headers(target, { 'Content-Type': 'application/octet-stream' }),
    body: bytes,
  });
  await expectStatus(`upload ${digest} to ${repository}`, put, [201]);
  await put.arrayBuffer();
  return {
    mediaType: blob.mediaType,
    digest,
    size: bytes.length,
    ...(blob.annotations ? { annotations: blob.annotations } : {}),
  };
}

/** Pushes config and layers, then an OCI image manifest tagged `reference`. */
export async function pushArtifact(
  target: OciTarget,
  repository: string,
  reference: string,
  options: PushArtifactOptions,
): Promise<PushedArtifact> {
  const config = await pushBlob(
    target,
    repository,
    options.config ?? { mediaType: ociEmptyMediaType, data: '{}' },
  );
  const layers: OciDescriptor[] = [];
  for (const layer of options.layers) layers.push(await pushBlob(target, repository, layer));
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: ociManifestMediaType,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config,
    layers,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const body = JSON.stringify(manifest);
  const response = await fetch(`${target.url}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: headers(target, { 'Content-Type': ociManifestMediaType }),
    body,
  });
  await expectStatus(`put manifest ${repository}:${reference}`, response, [201]);
  await response.arrayBuffer();
  return { digest: sha256Digest(body), manifest };
}

/** Fetches a manifest by tag or digest; returns it with the digest the registry reports. */
export async function pullManifest(
  target: OciTarget,
  repository: string,
  reference: string,
): Promise<{ digest: string; manifest: OciManifest }> {
  const response = await fetch(`${target.url}/v2/${repository}/manifests/${reference}`, {
    headers: headers(target, { Accept: ociManifestMediaType }),
  });
  await expectStatus(`get manifest ${repository}:${reference}`, response, [200]);
  const text = await response.text();
  return {
    digest: response.headers.get('docker-content-digest') ?? sha256Digest(text),
    manifest: JSON.parse(text) as OciManifest,
  };
}

/** Fetches a blob's bytes by digest. */
export async function pullBlob(target: OciTarget, repository: string, digest: string): Promise<Buffer> {
  const response = await fetch(`${target.url}/v2/${repository}/blobs/${digest}`, {
    headers: headers(target),
  });
  await expectStatus(`get blob ${repository}@${digest}`, response, [200]);
  return Buffer.from(await response.arrayBuffer());
}
