/**
 * Git over smart HTTP on loopback: a `node:http` server that runs `git http-backend` as a CGI
 * program for each request, serving the bare repositories of a {@link GitRepoStore}. Push is
 * enabled; basic authentication is optional and, when set, covers every request. With `tls` it
 * serves HTTPS with a certificate of a throw-away CA (`caPem`), for clients that must trust a
 * private CA.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { generateCertificates } from '../cluster/certs.ts';
import { authenticatedUser, type BasicAuth, rejectUnauthorized } from './basic-auth.ts';
import { GitRepoHost, GitRepoStore, isolatedGitEnv } from './git-repos.ts';
import { closeServer, listenOnLoopback, loopbackHost } from './loopback.ts';
import { makeTempDir, removeDir, run } from './process.ts';

export interface GitHttpServerOptions {
  /** Require these credentials (HTTP basic) for every request, fetch and push alike. */
  auth?: BasicAuth;
  /** HTTPS with a serving certificate (127.0.0.1, localhost) of a throw-away CA: `caPem`. */
  tls?: boolean;
}

export interface GitHttpRequestRecord {
  method: string;
  path: string;
  user: string | undefined;
  status: number;
  /** Protocol v2 `command=` of a POST body (`ls-refs`, `fetch`), when the body is plain. */
  command?: string;
}

const realm = 'weft git';

/** Starts a Git smart-HTTP server on a free loopback port. */
export async function startGitHttpServer(options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const dir = await makeTempDir('git-http');
  try {
    const repos = new GitRepoStore(join(dir, 'repos'), join(dir, 'home'));
    await mkdir(repos.root, { recursive: true });
    await mkdir(repos.home, { recursive: true });
    const backend = (await run('git', ['--exec-path'])).trim();
    let tls: { caPem: string; certPem: string; keyPem: string } | undefined;
    if (options.tls) {
      const certsDir = join(dir, 'certs');
      await mkdir(certsDir);
      const certs = await generateCertificates(certsDir, {});
      tls = {
        caPem: await readFile(certs.caCert, 'utf8'),
        certPem: await readFile(certs.serverCert, 'utf8'),
        keyPem: await readFile(certs.serverKey, 'utf8'),
      };
    }
    const server = new GitHttpServer(dir, repos, join(backend, 'git-http-backend'), options.auth, tls);
    await server.listen();
    return server;
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

export class GitHttpServer extends GitRepoHost {
  readonly auth: BasicAuth | undefined;
  /** The PEM CA that signed the serving certificate, when started with `tls`. */
  readonly caPem: string | undefined;
  /** Every request answered so far, oldest first. */
  readonly requests: GitHttpRequestRecord[] = [];
  #dir: string;
  #backendPath: string;
  #server: Server;
  #port = 0;
  #running = new Set<ReturnType<typeof spawn>>();

  constructor(
    dir: string,
    repos: GitRepoStore,
    backendPath: string,
    auth: BasicAuth | undefined,
    tls?: { caPem: string; certPem: string; keyPem: string },
  ) {
    super(repos);
    this.#dir = dir;
    this.#backendPath = backendPath;
    this.auth = auth;
    this.caPem = tls?.caPem;
    const handler = (request: IncomingMessage, response: ServerResponse) => this.#handle(request, response);
    this.#server = tls
      ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler)
      : createServer(handler);
  }

  async listen(): Promise<void> {
    this.#port = await listenOnLoopback(this.#server);
  }

  get host(): string {
    return loopbackHost;
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:PORT` (`https://` with `tls`) */
  get baseUrl(): string {
    return `${this.#scheme}://${loopbackHost}:${this.#port}`;
  }

  get #scheme(): 'http' | 'https' {
    return this.caPem === undefined ? 'http' : 'https';
  }

  /** The clone URL of a repository; with `credentials`, they are embedded as `user:password@`. */
  url(repo: string, credentials?: BasicAuth): string {
    const path = this.repos.relativePath(repo).split('/').map(encodeURIComponent).join('/');
    if (!credentials) return `${this.baseUrl}/${path}`;
    const userInfo = `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}`;
    return `${this.#scheme}://${userInfo}@${loopbackHost}:${this.#port}/${path}`;
  }

  async stop(): Promise<void> {
    for (const child of this.#running) child.kill('SIGKILL');
    await closeServer(this.#server);
    await removeDir(this.#dir);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Runs before each push (a receive-pack POST) reaches http-backend, after the client has read
   * the refs: a test commits here to play a concurrent push that moves the branch under it.
   */
  beforeReceivePack: ((repoPath: string) => Promise<void> | void) | undefined;

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const hook = this.beforeReceivePack;
    const pathname = new URL(request.url ?? '/', this.baseUrl).pathname;
    if (hook === undefined || request.method !== 'POST' || !pathname.endsWith('/git-receive-pack')) {
      this.#serve(request, response);
      return;
    }
    // Paused explicitly, the body waits (nothing is lost) until the hook is done.
    request.pause();
    Promise.resolve()
      .then(() => hook(decodeURIComponent(pathname.slice(1, -'/git-receive-pack'.length))))
      .then(
        () => this.#serve(request, response),
        (error: unknown) => {
          request.resume();
          response
            .writeHead(500, { 'Content-Type': 'text/plain' })
            .end(`beforeReceivePack: ${String(error)}\n`);
        },
      );
  }

  #serve(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.baseUrl);
    // The first bytes of a POST body name the protocol v2 command, so tests can tell an ls-refs
    // exchange from a fetch. Peeked beside the pipe to http-backend, never consumed.
    let bodyHead = '';
    if (request.method === 'POST' && request.headers['content-encoding'] === undefined) {
      const peek = (chunk: Buffer) => {
        bodyHead += chunk.toString('latin1');
        if (bodyHead.length >= 64) request.off('data', peek);
      };
      request.on('data', peek);
    }
    const record = (status: number, user: string | undefined) => {
      const command = /command=([a-z-]+)/.exec(bodyHead)?.[1];
      this.requests.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        user,
        status,
        ...(command === undefined ? {} : { command }),
      });
    };

    let user: string | undefined;
    if (this.auth) {
      user = authenticatedUser(request, this.auth);
      if (user === undefined) {
        record(401, undefined);
        request.resume();
        rejectUnauthorized(response, realm);
        return;
      }
    }
    let pathInfo: string;
    try {
      pathInfo = decodeURIComponent(url.pathname);
    } catch {
      pathInfo = '';
    }
    if (!pathInfo.startsWith('/') || pathInfo.split('/').includes('..')) {
      record(400, user);
      request.resume();
      response.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad path\n');
      return;
    }
    this.#runBackend(request, response, pathInfo, url.search.replace(/^\?/, ''), user, record);
  }

  #runBackend(
    request: IncomingMessage,
    response: ServerResponse,
    pathInfo: string,
    query: string,
    user: string | undefined,
    record: (status: number, user: string | undefined) => void,
  ): void {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : (value ?? '');
    };
    const env = isolatedGitEnv(this.repos.home, {
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${request.httpVersion}`,
      SERVER_SOFTWARE: 'weft-e2e-git-http',
      SERVER_NAME: loopbackHost,
      SERVER_PORT: String(this.#port),
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: pathInfo,
      QUERY_STRING: query,
      CONTENT_TYPE: header('content-type'),
      REMOTE_ADDR: request.socket.remoteAddress ?? loopbackHost,
      GIT_PROJECT_ROOT: this.repos.root,
      GIT_HTTP_EXPORT_ALL: '1',
      // http-backend only accepts pushes from an authenticated user unless receivepack is on.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
    });
    if (request.headers['content-length'] !== undefined) env.CONTENT_LENGTH = header('content-length');
    // http-backend inflates gzip request bodies itself when told the encoding.
    if (request.headers['content-encoding'] !== undefined)
      env.HTTP_CONTENT_ENCODING = header('content-encoding');
    if (request.headers['git-protocol'] !== undefined) env.GIT_PROTOCOL = header('git-protocol');
    if (user !== undefined) {
      env.REMOTE_USER = user;
      env.AUTH_TYPE = 'Basic';
    }

    const child = spawn(this.#backendPath, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#running.add(child);
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {
      // http-backend may answer (an error, say) without reading the whole body.
    });
    request.pipe(child.stdin);

    let head = Buffer.alloc(0);
    let headersSent = false;
    const fail = (message: string) => {
      if (headersSent) {
        response.destroy(new Error(message));
        return;
      }
      headersSent = true;
      record(500, user);
      response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${message}\n`);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        if (!response.write(chunk)) {
          child.stdout.pause();
          response.once('drain', () => child.stdout.resume());
        }
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHead(head);
      if (!parsed) return;
      headersSent = true;
      record(parsed.status, user);
      response.writeHead(parsed.status, parsed.headers);
      if (parsed.body.length > 0) response.write(parsed.body);
    });
    child.on('error', (error) => fail(`could not run git http-backend: ${error.message}`));
    child.on('close', (code) => {
      this.#running.delete(child);
      if (!headersSent) {
        fail(
          `git http-backend exited (${code}) without a response: ${Buffer.concat(stderr).toString('utf8')}`,
        );
        return;
      }
      response.end();
    });
    response.on('close', () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
  }
}

interface CgiHead {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Splits a CGI response into status, headers and the start of the body, once the head is complete. */
export function parseCgiHead(buffer: Buffer): CgiHead | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  let end: number;
  let separatorLength: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    end = crlf;
    separatorLength = 4;
  } else if (lf >= 0) {
    end = lf;
    separatorLength = 2;
  } else {
    return undefined;
  }
  let status = 200;
  const headers: Record<string, string | string[]> = {};
  for (const line of buffer.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      status = Number.parseInt(value, 10) || 500;
      continue;
    }
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { status, headers, body: buffer.subarray(end + separatorLength) };
}
