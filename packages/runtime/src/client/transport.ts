/**
 * HTTP to the API server over Node's own http/https, with the credentials and TLS settings of a
 * kubeconfig (`applyToHTTPSOptions` of our `RestConfig`, or of a client-node KubeConfig a caller
 * passes; both also give a keep-alive agent shared per cluster/user).
 * We speak HTTP ourselves rather than through the generated API classes: server-side apply,
 * dry-run, impersonation and watch streaming all need headers and query parameters per call, and a
 * watch must stream line by line without buffering.
 */
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { errorFromStatus } from './errors.ts';

// Not `import … from 'node:http'`: building that module's ESM namespace reads its lazy
// WebSocket/CloseEvent/MessageEvent exports and so loads undici (~8 MiB RSS, 2.5 MiB heap)
// that nothing here uses. getBuiltinModule hands over the CommonJS exports untouched.
const http = process.getBuiltinModule('node:http');

import type { KubeConfigLike } from './kubeconfig.ts';

export type QueryValue = string | number | boolean | undefined;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  /** Serialised as JSON. */
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal | undefined;
  /** Context for error messages, e.g. `get Deployment/ns/name`. */
  context?: string;
}

export interface HttpResponse {
  status: number;
  body: unknown;
}

/** How the client reaches the API server; tests may pass their own. */
export interface Transport {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Opens a streaming GET (a watch) and yields each JSON line parsed. Non-2xx answers throw. */
  stream(req: HttpRequest): Promise<AsyncIterable<unknown>>;
  /** The same connection settings with extra headers on every request (impersonation). */
  withHeaders(headers: Record<string, string | string[]>): Transport;
  readonly server: string;
}

export function buildPath(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Credentials are re-read at most this often (exec plugins and token files rotate). */
const optionsTtlMs = 30_000;

/**
 * The request options minus the TLS material when the agent already holds it as a SecureContext
 * (our RestConfig's agents do): otherwise Node stringifies `ca`/`cert`/`key` on every request to
 * name the agent's socket pool.
 */
function withoutAgentTls(options: https.RequestOptions): https.RequestOptions {
  const agent = options.agent;
  if (!(agent instanceof https.Agent) || !(agent.options as { secureContext?: unknown }).secureContext) {
    return options;
  }
  const { ca: _ca, cert: _cert, key: _key, pfx: _pfx, passphrase: _passphrase, ...rest } = options;
  return rest;
}

export class KubeConfigTransport implements Transport {
  readonly server: string;
  readonly #kubeConfig: KubeConfigLike;
  readonly #headers: Record<string, string | string[]>;
  readonly #url: URL;
  #options: Promise<https.RequestOptions> | undefined;
  #optionsAt = 0;

  constructor(kubeConfig: KubeConfigLike, headers: Record<string, string | string[]> = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.#kubeConfig = kubeConfig;
    this.#headers = headers;
    this.server = cluster.server.replace(/\/+$/, '');
    this.#url = new URL(this.server);
  }

  withHeaders(headers: Record<string, string | string[]>): Transport {
    return new KubeConfigTransport(this.#kubeConfig, { ...this.#headers, ...headers });
  }

  async #requestOptions(): Promise<https.RequestOptions> {
    const now = Date.now();
    if (!this.#options || now - this.#optionsAt > optionsTtlMs) {
      this.#optionsAt = now;
      const opts: https.RequestOptions = { headers: {} };
      this.#options = this.#kubeConfig.applyToHTTPSOptions(opts).then(() => withoutAgentTls(opts));
      this.#options.catch(() => {
        this.#options = undefined;
      });
    }
    return this.#options;
  }

  async #open(req: HttpRequest, accept: string): Promise<IncomingMessage> {
    const base = await this.#requestOptions();
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string | string[] | number> = {
      ...(base.headers as Record<string, string>),
      ...this.#headers,
      Accept: accept,
    };
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const prefix = this.#url.pathname === '/' ? '' : this.#url.pathname;
    const options: https.RequestOptions = {
      ...base,
      protocol: this.#url.protocol,
      hostname: this.#url.hostname.replace(/^\[|\]$/g, ''),
      port: this.#url.port || (this.#url.protocol === 'https:' ? 443 : 80),
      method: req.method,
      path: prefix + buildPath(req.path, req.query),
      headers,
    };
    if (req.signal) options.signal = req.signal;
    const lib = this.#url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = lib.request(options, resolve);
      request.on('error', reject);
      request.end(payload);
    });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.#open(req, 'application/json');
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    if (text && (res.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromStatus(status, body, req.context);
    return { status, body };
  }

  async stream(req: HttpRequest): Promise<AsyncIterable<unknown>> {
    const res = await this.#open(req, 'application/json');
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text for the message
      }
      throw errorFromStatus(status, body, req.context);
    }
    return jsonLines(res);
  }
}

/** Splits a byte stream into newline-delimited JSON values. */
export async function* jsonLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  // A multi-byte character may be split between two chunks: the decoder keeps the partial bytes.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield JSON.parse(line);
      newline = pending.indexOf('\n');
    }
  }
  const rest = pending.trim();
  if (rest) yield JSON.parse(rest);
}
