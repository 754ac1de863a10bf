/**
 * A webhook sink on loopback: it records every request it receives (what Slack, a generic
 * webhook or any other notification provider would get) and answers with scripted responses,
 * so tests can check payloads, headers and retries.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback.ts';

export interface ReceivedRequest {
  method: string;
  /** Path without the query, e.g. `/hooks/slack`. */
  path: string;
  /** The raw query string without `?` (empty when none). */
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON when it is JSON, otherwise `undefined`. */
  json: unknown;
  /** The status this sink answered with. */
  status: number;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
}

/** A scripted response: a status alone, or status, body, headers and an optional delay. */
export type SinkResponse =
  | number
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

export interface WebhookSinkOptions {
  /** Answer when no scripted response is left. Default 200 with an empty body. */
  defaultResponse?: SinkResponse;
}

/** Starts a webhook sink on a free loopback port. */
export async function startWebhookSink(options: WebhookSinkOptions = {}): Promise<WebhookSink> {
  const sink = new WebhookSink(options.defaultResponse ?? 200);
  await sink.listen();
  return sink;
}

export class WebhookSink extends LoopbackServer {
  #received: ReceivedRequest[] = [];
  #script: SinkResponse[] = [];
  #defaultResponse: SinkResponse;
  #listeners = new Set<() => void>();
  #pendingTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(defaultResponse: SinkResponse) {
    super();
    this.#defaultResponse = defaultResponse;
  }

  /** The URL of a path on the sink, e.g. `url('/slack')`. */
  url(path = '/'): string {
    return `${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** Everything received so far, oldest first (a copy). */
  get requests(): ReceivedRequest[] {
    return [...this.#received];
  }

  /**
   * Scripts the next responses, one per request in order, e.g. `respondWith([500, 500, 200])`
   * for a retry test. Replaces what is left of an earlier script; after it the default applies.
   */
  respondWith(responses: readonly SinkResponse[]): void {
    this.#script = [...responses];
  }

  /** Forgets the requests received so far and any scripted responses left. */
  clear(): void {
    this.#received = [];
    this.#script = [];
  }

  /**
   * Resolves with the received requests that match `predicate` once there are at least `count`
   * of them (including ones received before the call). Rejects after `timeoutMs` with a message
   * listing what was received instead.
   */
  waitFor(
    predicate: (request: ReceivedRequest) => boolean = () => true,
    timeoutMs = 10_000,
    count = 1,
  ): Promise<ReceivedRequest[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const matching = this.#received.filter(predicate);
        if (matching.length < count) return false;
        cleanup();
        resolve(matching);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `webhook sink: wanted ${count} matching request(s) within ${timeoutMs}ms; ${this.describe()}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = () => {
        try {
          check();
        } catch (error) {
          cleanup();
          reject(error);
        }
      };
      this.#listeners.add(listener);
      listener();
    });
  }

  /** A readable summary of what was received, for assertion messages. */
  describe(): string {
    if (this.#received.length === 0) return 'received nothing';
    const lines = this.#received.map(
      (request, index) =>
        `  #${index + 1} ${request.method} ${request.path}${request.query ? `?${request.query}` : ''} → ${request.status} ${truncate(request.body)}`,
    );
    return `received ${this.#received.length} request(s):\n${lines.join('\n')}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.#pendingTimers) clearTimeout(timer);
    this.#pendingTimers.clear();
    await this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  protected serve(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const scripted = this.#script.shift() ?? this.#defaultResponse;
      const reply = typeof scripted === 'number' ? { status: scripted } : scripted;
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', this.baseUrl);
      this.#received.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.search.replace(/^\?/, ''),
        headers: request.headers,
        body,
        json: parseJson(body, request.headers['content-type']),
        status: reply.status,
        receivedAt: Date.now(),
      });
      for (const listener of [...this.#listeners]) listener();
      const send = () => {
        response.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8', ...reply.headers });
        response.end(reply.body ?? '');
      };
      if (reply.delayMs === undefined) {
        send();
        return;
      }
      const timer = setTimeout(() => {
        this.#pendingTimers.delete(timer);
        send();
      }, reply.delayMs);
      this.#pendingTimers.add(timer);
    });
  }
}

function parseJson(body: string, contentType: string | undefined): unknown {
  const looksJson = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(body);
  if (!looksJson || body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
