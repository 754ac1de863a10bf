import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { type Action, RegistryAuth, type TokenCache } from './auth.ts';
import type { Credentials } from './credentials.ts';
import { DigestCheck, sha256 } from './digest.ts';
import { OciError } from './errors.ts';
import {
  type Descriptor,
  type IndexEntry,
  type Manifest,
  parseImageIndex,
  parseManifest,
} from './manifest.ts';
import { MediaType, manifestAccept } from './media-types.ts';
import type { HttpProxy } from './proxy.ts';
import { isValidDigest } from './reference.ts';
import { listTagPages } from './tags.ts';
import { type HttpRequest, type HttpResponse, readLimited, type TlsOptions, Transport } from './transport.ts';

export interface RegistryClientOptions {
  /** `host[:port]` */
  registry: string;
  /** Plain HTTP instead of HTTPS. */
  insecure?: boolean;
  credentials?: Credentials | undefined;
  tls?: TlsOptions | undefined;
  /** Aborts every request of this client (a reconcile's timeout). */
  signal?: AbortSignal | undefined;
  userAgent?: string;
  /** Largest manifest accepted (default 4 MiB, the distribution registry's own limit). */
  maxManifestSize?: number;
  /**
   * Where tokens (and a registry's wish for Basic) are kept; share one between the clients of a
   * controller so a reconcile reuses the token of the last one. Default: this client's own.
   */
  tokens?: TokenCache | undefined;
  /** An HTTP proxy every request goes through (Flux's `spec.proxySecretRef`). */
  proxy?: HttpProxy | undefined;
}

export interface ResolvedManifest {
  /** `sha256:<hex>` of the manifest bytes. */
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ResolvedManifest {
  manifest: Manifest;
  /** The exact bytes, whose digest is `digest`. */
  bytes: Buffer;
}

const defaultMaxManifestSize = 4 * 1024 * 1024;
/** Error responses are small; anything bigger is not one. */
const maxSmallBody = 1024 * 1024;

/**
 * One registry, spoken to over the distribution API: manifests (HEAD to resolve, GET size-capped
 * and digest-checked), referrers, tags (paginated), blobs (streamed and digest-checked) and
 * monolithic pushes. Authentication follows the registry's challenge (see `auth.ts`).
 */
export class RegistryClient {
  readonly registry: string;
  readonly #base: string;
  readonly #options: RegistryClientOptions;
  readonly #transport: Transport;
  readonly #auth: RegistryAuth;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.#base = `${options.insecure ? 'http' : 'https'}://${options.registry}`;
    this.#options = options;
    this.#transport = new Transport(options.tls, options.proxy);
    this.#auth = new RegistryAuth({
      registry: options.registry,
      credentials: options.credentials,
      transport: this.#transport,
      userAgent: options.userAgent ?? 'weft-oci',
      signal: options.signal,
      expect: (response, expected, what) => this.#expect(response, expected, what),
      tokens: options.tokens,
    });
  }

  close(): void {
    this.#transport.close();
  }

  /** The manifest's digest, media type and size from a HEAD: no body is transferred. */
  async resolve(repository: string, reference: string): Promise<ResolvedManifest> {
    const response = await this.#send(repository, ['pull'], {
      method: 'HEAD',
      url: this.#url(repository, `manifests/${reference}`),
      headers: { Accept: manifestAccept },
    });
    response.body.resume();
    await this.#expect(response, [200], `manifest ${repository}:${reference}`);
    const digest = header(response, 'docker-content-digest');
    if (digest === undefined || !isValidDigest(digest)) {
      // Some registries omit the digest on HEAD: the manifest itself tells.
      const fetched = await this.getManifest(repository, reference);
      return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.size };
    }
    return {
      digest,
      mediaType: header(response, 'content-type') ?? '',
      size: Number(header(response, 'content-length') ?? 0),
    };
  }

  /** Fetches a manifest (size-capped), computes its digest and checks it against a digest reference. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const response = await this.#send(repository, ['pull'], {
      method: 'GET',
      url: this.#url(repository, `manifests/${reference}`),
      headers: { Accept: manifestAccept },
    });
    await this.#expect(response, [200], `manifest ${repository}:${reference}`);
    const limit = this.#options.maxManifestSize ?? defaultMaxManifestSize;
    const declared = Number(header(response, 'content-length') ?? 0);
    if (declared > limit) {
      response.body.destroy();
      throw new OciError(
        'TooLarge',
        `manifest ${repository}:${reference} is ${declared} bytes, more than the ${limit} allowed`,
      );
    }
    const bytes = await readLimited(response.body, limit, `manifest ${repository}:${reference}`);
    const digest = sha256(bytes);
    if (isValidDigest(reference) && digest !== reference)
      throw new OciError('DigestMismatch', `manifest ${repository}@${reference} has digest ${digest}`);
    const manifest = parseManifest(bytes, header(response, 'content-type'), `${repository}:${reference}`);
    return { digest, mediaType: manifest.mediaType, size: bytes.length, manifest, bytes };
  }

  /**
   * The manifests that name `digest` as their subject (OCI 1.1): the referrers API, or, where the
   * registry has none (it answers 404), the referrers tag schema `sha256-<hex>` that clients such
   * as cosign then write. Empty when there are none. `artifactType` filters.
   */
  async listReferrers(repository: string, digest: string, artifactType?: string): Promise<IndexEntry[]> {
    if (!isValidDigest(digest)) throw new OciError('InvalidReference', `"${digest}" is not a sha256 digest`);
    const accept = { Accept: MediaType.ociIndex };
    const limit = this.#options.maxManifestSize ?? defaultMaxManifestSize;
    const what = `referrers of ${repository}@${digest}`;
    let response = await this.#send(repository, ['pull'], {
      method: 'GET',
      url: this.#url(repository, `referrers/${digest}`),
      headers: accept,
    });
    if (response.status === 404) {
      response.body.resume();
      response = await this.#send(repository, ['pull'], {
        method: 'GET',
        url: this.#url(repository, `manifests/${digest.replace(':', '-')}`),
        headers: accept,
      });
      if (response.status === 404) {
        response.body.resume();
        return [];
      }
    }
    await this.#expect(response, [200], what);
    const entries = parseImageIndex(await readLimited(response.body, limit, what), what);
    return artifactType === undefined
      ? entries
      : entries.filter((entry) => entry.artifactType === artifactType);
  }

  /** Every tag of the repository, following `Link` pagination. */
  async listTags(
    repository: string,
    options: { maxPages?: number; pageSize?: number } = {},
  ): Promise<string[]> {
    const first = this.#url(repository, 'tags/list');
    if (options.pageSize !== undefined) first.searchParams.set('n', String(options.pageSize));
    return listTagPages(first, options.maxPages ?? 1000, async (url) => {
      const response = await this.#send(repository, ['pull'], { method: 'GET', url });
      await this.#expect(response, [200], `tags of ${repository}`);
      const body = await readLimited(response.body, 16 * 1024 * 1024, `tag list of ${repository}`);
      return { body, link: header(response, 'link') };
    });
  }

  /**
   * Streams a blob to `path`, refusing it before the download when the descriptor or the
   * Content-Length exceeds `maxSize`, and while streaming when more bytes come or the digest
   * differs. A refused blob leaves no file behind.
   */
  async downloadBlob(
    repository: string,
    descriptor: Descriptor,
    path: string,
    maxSize: number,
  ): Promise<void> {
    const response = await this.#openBlob(repository, descriptor, maxSize);
    const check = new DigestCheck(descriptor, maxSize, repository);
    try {
      await pipeline(response.body, check, createWriteStream(path, { mode: 0o600 }));
      check.verify();
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  /** A small blob (a config, a signature payload) in memory, with the same checks. */
  async readBlob(repository: string, descriptor: Descriptor, maxSize: number): Promise<Buffer> {
    const response = await this.#openBlob(repository, descriptor, maxSize);
    const bytes = await readLimited(response.body, maxSize, `blob ${descriptor.digest}`);
    if (bytes.length !== descriptor.size || sha256(bytes) !== descriptor.digest)
      throw new OciError(
        'DigestMismatch',
        `blob ${repository}@${descriptor.digest} does not match its descriptor`,
      );
    return bytes;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.#send(repository, ['pull', 'push'], {
      method: 'HEAD',
      url: this.#url(repository, `blobs/${digest}`),
    });
    response.body.resume();
    if (response.status === 404) return false;
    await this.#expect(response, [200], `blob ${repository}@${digest}`);
    return true;
  }

  /** Uploads a blob in one request (POST for a session, PUT with the digest), unless present. */
  async pushBlob(repository: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(bytes);
    const descriptor = { mediaType, digest, size: bytes.length };
    if (await this.hasBlob(repository, digest)) return descriptor;
    const start = await this.#send(repository, ['pull', 'push'], {
      method: 'POST',
      url: this.#url(repository, 'blobs/uploads/'),
      headers: { 'Content-Length': '0' },
    });
    start.body.resume();
    await this.#expect(start, [202], `upload to ${repository}`);
    const location = header(start, 'location');
    if (!location) throw new OciError('Http', `${this.registry} gave no upload location for ${repository}`);
    const url = new URL(location, this.#base);
    url.searchParams.set('digest', digest);
    const put = await this.#send(repository, ['pull', 'push'], {
      method: 'PUT',
      url,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) },
      body: bytes,
    });
    put.body.resume();
    await this.#expect(put, [201], `upload of ${digest} to ${repository}`);
    return descriptor;
  }

  /** PUTs a manifest under a tag (or its digest) and returns its digest. */
  async pushManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<string> {
    const response = await this.#send(repository, ['pull', 'push'], {
      method: 'PUT',
      url: this.#url(repository, `manifests/${reference}`),
      headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
      body: bytes,
    });
    response.body.resume();
    await this.#expect(response, [201], `manifest ${repository}:${reference}`);
    return sha256(bytes);
  }

  async #openBlob(repository: string, descriptor: Descriptor, maxSize: number): Promise<HttpResponse> {
    if (!isValidDigest(descriptor.digest))
      throw new OciError('InvalidManifest', `layer digest "${descriptor.digest}" is not a sha256 digest`);
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0 || descriptor.size > maxSize)
      throw new OciError(
        'TooLarge',
        `blob ${descriptor.digest} is ${descriptor.size} bytes, more than the ${maxSize} allowed`,
      );
    const response = await this.#send(repository, ['pull'], {
      method: 'GET',
      url: this.#url(repository, `blobs/${descriptor.digest}`),
    });
    await this.#expect(response, [200], `blob ${repository}@${descriptor.digest}`);
    const declared = header(response, 'content-length');
    if (declared !== undefined && Number(declared) !== descriptor.size) {
      response.body.destroy();
      throw new OciError(
        'DigestMismatch',
        `blob ${descriptor.digest} is ${declared} bytes, its descriptor says ${descriptor.size}`,
      );
    }
    return response;
  }

  #url(repository: string, path: string): URL {
    return new URL(`${this.#base}/v2/${repository}/${path}`);
  }

  /** Sends with the cached authorization; on a 401 answers the challenge once and retries. */
  async #send(repository: string, actions: readonly Action[], req: HttpRequest): Promise<HttpResponse> {
    const withAuth = (value: string | undefined): HttpRequest => ({
      ...req,
      headers: {
        'User-Agent': this.#options.userAgent ?? 'weft-oci',
        ...req.headers,
        ...(value === undefined ? {} : { Authorization: value }),
      },
      signal: this.#options.signal,
    });
    const sent = this.#auth.header(repository, actions);
    const response = await this.#transport.send(withAuth(sent));
    if (response.status !== 401) return response;
    response.body.resume();
    if (sent !== undefined) this.#auth.forget(repository, actions);
    const authorization = await this.#auth.answer(
      header(response, 'www-authenticate') ?? '',
      repository,
      actions,
    );
    const retried = await this.#transport.send(withAuth(authorization));
    if (retried.status === 401) {
      retried.body.resume();
      throw this.#auth.unauthorized(retried.status);
    }
    return retried;
  }

  async #expect(response: HttpResponse, expected: readonly number[], what: string): Promise<void> {
    if (expected.includes(response.status)) return;
    const status = response.status;
    const detail = await registryErrorText(response);
    if (status === 401 || status === 403) throw this.#auth.unauthorized(status, detail);
    const code = status === 404 ? 'NotFound' : 'Http';
    throw new OciError(code, `${what} on ${this.registry}: HTTP ${status}${detail ? ` ${detail}` : ''}`, {
      status,
    });
  }
}

/** The first error of a distribution error body (`{"errors":[{"code","message"}]}`), short. */
async function registryErrorText(response: HttpResponse): Promise<string> {
  try {
    const body = await readLimited(response.body, maxSmallBody, 'error body');
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (!first) return '';
    return `${first.code ?? ''}${first.message ? `: ${first.message}` : ''}`.slice(0, 200);
  } catch {
    return '';
  }
}

function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
