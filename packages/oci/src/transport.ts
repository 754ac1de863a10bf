import type { Agent as HttpAgentType, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { OciError } from './errors.ts';
import { type HttpProxy, proxyHeaders, proxyRefused, tunnelThrough } from './proxy.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const { Agent: HttpAgent, request: httpRequest } = process.getBuiltinModule('node:http');

/** TLS material for a registry: a CA to trust, and a client certificate (all PEM). */
export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The final URL after redirects. */
  url: URL;
  body: IncomingMessage;
}

const maxRedirects = 5;

/**
 * HTTP(S) over node's own clients: they take a CA and a client certificate per request, which
 * `fetch` cannot without undici. Follows redirects (blob stores redirect to signed URLs) and
 * drops the Authorization header when a redirect leaves the origin. With a `proxy`, plain HTTP
 * goes to the proxy in absolute form and HTTPS through a CONNECT tunnel (TLS end to end).
 */
export class Transport {
  readonly #agent: Agent | undefined;
  readonly #tls: TlsOptions | undefined;
  readonly #proxy: HttpProxy | undefined;
  /** Connections to the proxy are not kept: proxies close them between requests at will. */
  readonly #proxyAgent: HttpAgentType | undefined;

  constructor(tls: TlsOptions | undefined, proxy?: HttpProxy) {
    this.#tls = tls;
    this.#proxy = proxy;
    this.#proxyAgent = proxy ? new HttpAgent({ keepAlive: false }) : undefined;
    this.#agent =
      tls && (tls.ca || tls.cert)
        ? new Agent({
            keepAlive: true,
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
          })
        : undefined;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const response = await this.#once({ ...req, url, headers });
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || !location || req.body) return response;
      response.body.resume();
      if (hop >= maxRedirects) throw new OciError('Http', `too many redirects from ${redact(req.url)}`);
      const next = new URL(location, url);
      if (next.origin !== url.origin) {
        const { Authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      url = next;
    }
  }

  close(): void {
    this.#agent?.destroy();
    this.#proxyAgent?.destroy();
  }

  async #once(req: HttpRequest): Promise<HttpResponse> {
    const https = req.url.protocol === 'https:';
    const proxy = this.#proxy;
    let target: URL | string = req.url;
    let options: Parameters<typeof httpsRequest>[1] = {
      method: req.method,
      headers: req.headers,
      ...(https && this.#agent ? { agent: this.#agent } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    };
    if (proxy && https) {
      const socket = await tunnelThrough(proxy, req.url, this.#tls, req.signal);
      // No agent: node then takes the connection from createConnection (the tunnel), one per request.
      const { agent: _agent, ...direct } = options;
      options = { ...direct, createConnection: () => socket };
    } else if (proxy) {
      // Plain HTTP through a proxy: the request goes to the proxy, naming the absolute URL.
      target = proxy.url;
      options = {
        ...options,
        ...(this.#proxyAgent ? { agent: this.#proxyAgent } : {}),
        path: req.url.href,
        headers: { ...req.headers, Host: req.url.host, ...proxyHeaders(proxy) },
      };
    }
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(target, options, (incoming) => {
        if (proxy && !https && incoming.statusCode === 407) {
          incoming.resume();
          reject(proxyRefused(proxy, 407, req.url.host));
          return;
        }
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          url: req.url,
          body: incoming,
        });
      });
      outgoing.on('error', (cause) =>
        reject(
          new OciError(
            'Network',
            `${req.method} ${redact(req.url)}${proxy ? ` through proxy ${redact(proxy.url)}` : ''}: ${cause.message}`,
            { cause },
          ),
        ),
      );
      if (req.body === undefined) outgoing.end();
      else if (Buffer.isBuffer(req.body)) outgoing.end(req.body);
      else req.body.pipe(outgoing);
    });
  }
}

/** A URL for messages: no user info, no query (upload URLs and signed redirects carry secrets there). */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Reads a body up to `limit` bytes; more is an error (a hostile server could send gigabytes). */
export async function readLimited(body: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new OciError('TooLarge', `${what} is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
