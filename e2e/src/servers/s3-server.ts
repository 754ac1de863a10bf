/**
 * An S3-compatible server on loopback: versitygw (pinned in e2e/toolchain/versions.env) with its
 * posix backend on a temp directory, one root access key, and an access log so tests can count
 * the requests a controller made. `put`, `remove` and `createBucket` speak S3 (signature v4
 * through `aws4`), so objects get their real ETags.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import aws4 from 'aws4';
import { freePort } from '../cluster/ports.ts';
import { ManagedProcess } from '../cluster/process.ts';
import { toolPath } from '../toolchain.ts';
import { loopbackHost } from './loopback.ts';
import { makeTempDir, removeDir, sleep } from './process.ts';

export interface S3ServerOptions {
  region?: string;
  /** Path of the versitygw binary; default the pinned one. */
  binaryPath?: string;
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const binary = options.binaryPath ?? toolPath('versitygw');
  const dir = await makeTempDir('s3-server');
  const region = options.region ?? 'us-east-1';
  const accessKey = `AK${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretKey = randomBytes(20).toString('base64url');
  const accessLog = join(dir, 'access.log');
  await writeFile(accessLog, '');
  await mkdir(join(dir, 'data'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const daemon = new ManagedProcess({
        name: 'versitygw',
        command: binary,
        args: [
          '--port',
          `${loopbackHost}:${port}`,
          '--region',
          region,
          '--access-log',
          accessLog,
          '--quiet',
          'posix',
          join(dir, 'data'),
        ],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: dir,
          ROOT_ACCESS_KEY: accessKey,
          ROOT_SECRET_KEY: secretKey,
        },
        replaceEnv: true,
        group: true,
      }).start();
      const server = new S3Server({ dir, daemon, port, region, accessKey, secretKey, accessLog });
      try {
        await server.waitUntilReady();
        return server;
      } catch (error) {
        await daemon.stop();
        if (attempt < 5 && /address already in use/i.test(daemon.output)) continue;
        throw error;
      }
    }
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

interface S3ServerParts {
  dir: string;
  daemon: ManagedProcess;
  port: number;
  region: string;
  accessKey: string;
  secretKey: string;
  accessLog: string;
}

export class S3Server {
  readonly port: number;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly #parts: S3ServerParts;

  constructor(parts: S3ServerParts) {
    this.#parts = parts;
    this.port = parts.port;
    this.region = parts.region;
    this.accessKey = parts.accessKey;
    this.secretKey = parts.secretKey;
  }

  /** `127.0.0.1:PORT`, as a Bucket's `spec.endpoint` names it (with `insecure: true`). */
  get endpoint(): string {
    return `${loopbackHost}:${this.port}`;
  }

  get log(): string {
    return this.#parts.daemon.output;
  }

  async waitUntilReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#parts.daemon.hasExited) throw new Error(`versitygw exited before it was ready:\n${this.log}`);
      try {
        const response = await this.request('GET', '/');
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`versitygw not ready after ${timeoutMs}ms:\n${this.log}`);
      await sleep(100);
    }
  }

  /** A request signed with the root key; `path` is `/<bucket>/<key>` (path style). */
  async request(
    method: string,
    path: string,
    body?: string | Buffer,
  ): Promise<{ status: number; text: string }> {
    const signed = aws4.sign(
      {
        host: this.endpoint,
        path,
        method,
        service: 's3',
        region: this.region,
        ...(body === undefined ? {} : { body }),
        headers: body === undefined ? {} : { 'Content-Type': 'application/octet-stream' },
      },
      { accessKeyId: this.accessKey, secretAccessKey: this.secretKey },
    );
    const response = await fetch(`http://${this.endpoint}${path}`, {
      method,
      headers: signed.headers as Record<string, string>,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(5_000),
    });
    return { status: response.status, text: await response.text() };
  }

  async createBucket(bucket: string): Promise<void> {
    const response = await this.request('PUT', `/${bucket}`);
    if (response.status !== 200)
      throw new Error(`create bucket ${bucket}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
  }

  async put(bucket: string, key: string, body: string | Buffer): Promise<void> {
    const response = await this.request('PUT', `/${bucket}/${encodeKey(key)}`, body);
    if (response.status !== 200)
      throw new Error(`put ${bucket}/${key}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
  }

  async remove(bucket: string, key: string): Promise<void> {
    const response = await this.request('DELETE', `/${bucket}/${encodeKey(key)}`);
    if (response.status !== 204 && response.status !== 200)
      throw new Error(`delete ${bucket}/${key}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
  }

  /**
   * Requests served so far as `<Operation> <key>` (`ListObjectsV2 -`, `GetObject app/a.yaml`),
   * read from versitygw's access log (S3 server access log format: `s3_<Operation> <key> <uri>`).
   */
  async requests(): Promise<string[]> {
    const text = await readFile(this.#parts.accessLog, 'utf8');
    const found: string[] = [];
    for (const match of text.matchAll(/ s3_([A-Za-z0-9]+) (\S+) \S+ \d{3} /g))
      found.push(`${match[1]} ${match[2]}`);
    return found;
  }

  async stop(): Promise<void> {
    await this.#parts.daemon.stop();
    await removeDir(this.#parts.dir);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
