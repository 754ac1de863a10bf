import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseRequestPath } from './request-path.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const { createServer } = process.getBuiltinModule('node:http');

export interface ServeOptions {
  /** The storage root to serve, read-only. */
  root: string;
  /** Defaults to 127.0.0.1; in a pod, `0.0.0.0` or `::`. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /**
   * Asked before a 404 for a missing artifact, with its path under the root
   * (`<kind>/<namespace>/<name>/<hex>.tar.gz`): it may re-create the file (an object whose status
   * still names it, after a restart with empty storage) and resolves true when the file exists
   * now. `signal` aborts when the client goes away. Keep it bounded: the client is waiting.
   */
  recover?: (relativePath: string, signal: AbortSignal) => Promise<boolean>;
}

export interface ArtifactServer {
  /** The base URL the server listens on, e.g. `http://127.0.0.1:9090`. */
  url: string;
  close(): Promise<void>;
}

const hexNamePattern = /^([0-9a-f]{64})\.tar\.gz$/;

/** Serves the artifacts under `root` over HTTP: GET and HEAD, no listings, no other files. */
export async function serve(options: ServeOptions): Promise<ArtifactServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch(() => {
      // The response may be half sent when the client goes away; all we can do is end it.
      if (!response.headersSent) respond(response, 500);
      else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function respond(response: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Length': '0', ...headers });
  response.end();
}

async function handle(
  options: ServeOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    respond(response, 405, { Allow: 'GET, HEAD' });
    return;
  }
  const parsed = parseRequestPath(request.url ?? '');
  if ('status' in parsed) {
    respond(response, parsed.status);
    return;
  }
  const path = join(options.root, ...parsed.segments);
  let file = await openRegularFile(path);
  if (!file && options.recover && hexNamePattern.test(parsed.segments.at(-1) ?? '')) {
    const gone = new AbortController();
    response.once('close', () => gone.abort());
    if (await options.recover(parsed.segments.join('/'), gone.signal)) file = await openRegularFile(path);
  }
  if (!file) {
    respond(response, 404);
    return;
  }
  let streaming = false;
  try {
    const stats = await file.stat();
    const fileName = parsed.segments.at(-1) ?? '';
    const hex = hexNamePattern.exec(fileName)?.[1];
    // Stored artifacts are named by their digest, so the name is a strong validator.
    const etag = hex
      ? `"sha256:${hex}"`
      : `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    const lastModified = stats.mtime.toUTCString();
    const validators = { ETag: etag, 'Last-Modified': lastModified };
    if (notModified(request, etag, stats.mtime)) {
      response.writeHead(304, validators);
      response.end();
      return;
    }
    response.writeHead(200, {
      ...validators,
      'Content-Type': 'application/gzip',
      'Content-Length': String(stats.size),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    streaming = true;
    await pipeline(file.createReadStream({ autoClose: true }), response);
  } finally {
    if (!streaming) await file.close();
  }
}

/** Opens a regular file without following a symlink at the last component; undefined if none. */
async function openRegularFile(path: string): Promise<FileHandle | undefined> {
  let file: FileHandle;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR') return undefined;
    throw error;
  }
  if ((await file.stat()).isFile()) return file;
  await file.close();
  return undefined;
}

function notModified(request: IncomingMessage, etag: string, mtime: Date): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const weakless = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || weakless(tag) === weakless(etag));
  }
  const ifModifiedSince = request.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  // HTTP dates have whole seconds.
  return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}
