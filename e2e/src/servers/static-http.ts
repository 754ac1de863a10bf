/**
 * A static file server on loopback, for Helm repositories (`index.yaml` and chart tarballs) and
 * other plain HTTP sources. GET and HEAD only; optional basic auth; every request is recorded.
 */
import { createReadStream } from 'node:fs';
import { mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { errorMessage } from '../errors.ts';
import { authenticatedUser, type BasicAuth, rejectUnauthorized } from './basic-auth.ts';
import { LoopbackServer } from './loopback.ts';
import { makeTempDir, removeDir } from './process.ts';

export interface StaticHttpServerOptions {
  /** Directory to serve. Default: a new temp directory (removed on stop), filled with {@link StaticHttpServer.writeFile}. */
  root?: string;
  auth?: BasicAuth;
}

export interface StaticHttpRequestRecord {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

const contentTypes: Record<string, string> = {
  '.yaml': 'application/x-yaml',
  '.yml': 'application/x-yaml',
  '.json': 'application/json',
  '.tgz': 'application/gzip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.prov': 'application/pgp-signature',
};

/** Serves a directory on a free loopback port. */
export async function startStaticHttpServer(
  options: StaticHttpServerOptions = {},
): Promise<StaticHttpServer> {
  const ownsRoot = options.root === undefined;
  const root = await realpath(options.root ?? (await makeTempDir('static-http')));
  const server = new StaticHttpServer(root, ownsRoot, options.auth);
  try {
    await server.listen();
    return server;
  } catch (error) {
    if (ownsRoot) await removeDir(root);
    throw error;
  }
}

export class StaticHttpServer extends LoopbackServer {
  /** The directory served. */
  readonly root: string;
  readonly auth: BasicAuth | undefined;
  /** Every request answered so far, oldest first. */
  readonly requests: StaticHttpRequestRecord[] = [];
  #ownsRoot: boolean;

  constructor(root: string, ownsRoot: boolean, auth: BasicAuth | undefined) {
    super();
    this.root = root;
    this.#ownsRoot = ownsRoot;
    this.auth = auth;
  }

  protected serve(request: IncomingMessage, response: ServerResponse): void {
    this.#handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(`${errorMessage(error)}\n`);
    });
  }

  /** URL of a file relative to the root, e.g. `url('charts/podinfo-6.0.0.tgz')`. */
  url(path = ''): string {
    return `${this.baseUrl}/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Writes a file under the root, creating directories as needed. */
  async writeFile(path: string, content: string | Uint8Array): Promise<void> {
    const target = this.#resolve(path);
    if (!target) throw new Error(`path ${JSON.stringify(path)} is outside ${this.root}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }

  async stop(): Promise<void> {
    await this.close();
    if (this.#ownsRoot) await removeDir(this.root);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #resolve(path: string): string | undefined {
    const target = resolve(this.root, `.${sep}${path}`);
    const inside = relative(this.root, target);
    const outside = inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside);
    return outside ? undefined : target;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.baseUrl);
    const method = request.method ?? 'GET';
    const answer = (status: number, body: string) => {
      this.requests.push({ method, path: url.pathname, status, headers: request.headers });
      response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
    };
    request.resume();
    if (this.auth && authenticatedUser(request, this.auth) === undefined) {
      this.requests.push({ method, path: url.pathname, status: 401, headers: request.headers });
      rejectUnauthorized(response, 'weft static');
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      answer(405, 'method not allowed\n');
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      answer(400, 'bad path\n');
      return;
    }
    const target = this.#resolve(path);
    if (!target) {
      answer(404, 'not found\n');
      return;
    }
    const file = await stat(target).catch(() => undefined);
    const served = file?.isDirectory() ? join(target, 'index.html') : target;
    const info = file?.isDirectory() ? await stat(served).catch(() => undefined) : file;
    // A symlink out of the root is not served: the real path must stay inside it too.
    const real = info?.isFile() ? await realpath(served) : undefined;
    if (!info?.isFile() || !real || !this.#resolve(relative(this.root, real))) {
      answer(404, 'not found\n');
      return;
    }
    this.requests.push({ method, path: url.pathname, status: 200, headers: request.headers });
    response.writeHead(200, {
      'Content-Type': contentTypes[extname(served).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(info.size),
      'Last-Modified': info.mtime.toUTCString(),
    });
    if (method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(served)
      .on('error', (error) => response.destroy(error))
      .pipe(response);
  }
}
