/**
 * A small S3 client: ListObjectsV2 (paginated) and GetObject (streamed, size-capped), path-style,
 * signed with signature v4 by `aws4` (no signing when no keys are given). HTTP goes through
 * @weft/oci's Transport for its CA and client-certificate support.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type HttpProxy, type TlsOptions, Transport } from '@weft/oci';
import aws4 from 'aws4';
import { type ListedObject, parseListPage, parseS3Error } from './xml.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ClientOptions {
  /** `host[:port]` */
  endpoint: string;
  insecure?: boolean;
  region?: string | undefined;
  credentials?: S3Credentials | undefined;
  tls?: TlsOptions | undefined;
  /** An HTTP proxy every request goes through (`spec.proxySecretRef`). */
  proxy?: HttpProxy | undefined;
  signal?: AbortSignal | undefined;
}

export class S3Error extends Error {
  override name = 'S3Error';
  readonly status: number | undefined;
  readonly code: 'AccessDenied' | 'NotFound' | 'TooLarge' | 'Failed';
  constructor(code: S3Error['code'], message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const maxListPage = 16 * 1024 * 1024;

export class S3Client {
  readonly #options: S3ClientOptions;
  readonly #transport: Transport;

  constructor(options: S3ClientOptions) {
    this.#options = options;
    this.#transport = new Transport(options.tls, options.proxy);
  }

  close(): void {
    this.#transport.close();
  }

  /** Every object under `prefix`, following continuation tokens, refusing more than `maxObjects`. */
  async listObjects(bucket: string, prefix: string | undefined, maxObjects: number): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2' });
      if (prefix) query.set('prefix', prefix);
      if (token) query.set('continuation-token', token);
      const response = await this.#send('GET', `/${encodeURIComponent(bucket)}?${query.toString()}`);
      const body = await readText(response.body, maxListPage);
      if (response.status !== 200) throw s3Failure(response.status, body, `listing bucket ${bucket}`);
      const page = parseListPage(body);
      objects.push(...page.objects);
      if (objects.length > maxObjects)
        throw new S3Error(
          'TooLarge',
          `bucket ${bucket} has more than ${maxObjects} objects under prefix "${prefix ?? ''}"`,
        );
      token = page.truncated ? page.nextToken : undefined;
    } while (token);
    return objects;
  }

  /** Streams an object to `path`, failing (and removing the file) past `maxSize` bytes. */
  async getObject(bucket: string, key: string, path: string, maxSize: number): Promise<number> {
    const encodedKey = key.split('/').map(encodeURIComponent).join('/');
    const response = await this.#send('GET', `/${encodeURIComponent(bucket)}/${encodedKey}`);
    if (response.status !== 200)
      throw s3Failure(response.status, await readText(response.body, 64 * 1024), `getting ${key}`);
    let size = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxSize)
          callback(new S3Error('TooLarge', `object ${key} is larger than the ${maxSize} bytes left`));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(response.body, cap, createWriteStream(path, { mode: 0o600 }));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return size;
  }

  async #send(method: 'GET' | 'HEAD', path: string) {
    const { endpoint, credentials } = this.#options;
    const request = {
      host: endpoint,
      path,
      method,
      service: 's3',
      region: this.#options.region ?? 'us-east-1',
      headers: {},
    };
    const headers = credentials
      ? (aws4.sign(request, {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
        }).headers as Record<string, string>)
      : {};
    const url = new URL(`${this.#options.insecure ? 'http' : 'https'}://${endpoint}${path}`);
    return this.#transport.send({ method, url, headers, signal: this.#options.signal });
  }
}

function s3Failure(status: number, body: string, what: string): S3Error {
  const detail = parseS3Error(body) ?? `HTTP ${status}`;
  if (status === 401 || status === 403)
    return new S3Error('AccessDenied', `${what} was refused: ${detail}`, status);
  if (status === 404) return new S3Error('NotFound', `${what}: ${detail}`, status);
  return new S3Error('Failed', `${what} failed: ${detail}`, status);
}

async function readText(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new S3Error('TooLarge', `answer larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
