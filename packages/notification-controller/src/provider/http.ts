/**
 * Sends a provider's request: POST with a timeout, through a proxy and with a CA bundle when the
 * Provider says so, retried with exponential backoff on 5xx, 429, 408, timeouts and connection
 * errors. Other 4xx answers are final: the service refused the request and saying it again will
 * not help. Errors carry the status and a trimmed body, with the address cut to scheme and host
 * and the token blanked out, so they can go into status and logs.
 */
import { errorMessage } from '@weft/runtime/errors';
import { retry } from '@weft/runtime/retry';
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici';
import { safeAddress } from './config.ts';
import type { OutgoingRequest } from './payloads.ts';

export interface SendOptions {
  timeoutMs: number;
  ca?: string | undefined;
  proxy?: string | undefined;
  /** Strings that must not appear in errors (token, password). */
  secrets?: ReadonlyArray<string | undefined>;
  /** Retries after the first attempt (default 4, as Flux). */
  retries?: number;
  /** Ceiling of the first retry delay; doubles each time up to 10 s, jittered (default 500 ms). */
  retryBaseMs?: number;
  signal?: AbortSignal | undefined;
}

/** A delivery that failed; `permanent` when retrying cannot help (4xx). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly status: number | undefined;
  readonly permanent: boolean;
  readonly attempts: number;
  constructor(message: string, options: { status?: number; permanent: boolean; attempts: number }) {
    super(message);
    this.status = options.status;
    this.permanent = options.permanent;
    this.attempts = options.attempts;
  }
}

export interface SendResult {
  status: number;
  attempts: number;
}

const bodyLimit = 256;

function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  return out;
}

function trimBody(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > bodyLimit ? `${oneLine.slice(0, bodyLimit)}…` : oneLine;
}

function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Keeps one connection pool per (proxy, CA), so deliveries reuse connections. */
export class HttpSender {
  readonly #dispatchers = new Map<string, Dispatcher>();

  #dispatcher(options: SendOptions): Dispatcher {
    const key = JSON.stringify([options.proxy ?? '', options.ca ?? '']);
    let dispatcher = this.#dispatchers.get(key);
    if (!dispatcher) {
      const tls = options.ca ? { ca: options.ca } : {};
      dispatcher = options.proxy
        ? new ProxyAgent({ uri: options.proxy, requestTls: tls })
        : new Agent({ connect: tls, keepAliveTimeout: 30_000 });
      this.#dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  async send(outgoing: OutgoingRequest, options: SendOptions): Promise<SendResult> {
    const retries = options.retries ?? 4;
    const base = options.retryBaseMs ?? 500;
    return retry((attempt) => this.#sendOnce(outgoing, options, attempt), {
      retries,
      initialMs: base,
      maxMs: 10_000,
      retryable: (error) => !(error instanceof DeliveryError && error.permanent),
      signal: options.signal,
    });
  }

  async #sendOnce(outgoing: OutgoingRequest, options: SendOptions, attempt: number): Promise<SendResult> {
    const secrets = options.secrets ?? [];
    const where = `POST ${safeAddress(outgoing.url)}`;
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      const signals = [AbortSignal.timeout(options.timeoutMs)];
      if (options.signal) signals.push(options.signal);
      response = await request(outgoing.url, {
        method: 'POST',
        headers: outgoing.headers,
        body: outgoing.body,
        dispatcher: this.#dispatcher(options),
        signal: AbortSignal.any(signals),
      });
      text = await response.body.text();
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const cause = timedOut
        ? `timed out after ${options.timeoutMs} ms`
        : redact(errorMessage(error), [...secrets, outgoing.url]);
      throw new DeliveryError(`${where} failed: ${cause}`, { permanent: false, attempts: attempt });
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { status, attempts: attempt };
    const detail = trimBody(redact(text, secrets));
    throw new DeliveryError(`${where} failed with status ${status}${detail ? `: ${detail}` : ''}`, {
      status,
      permanent: !retryable(status),
      attempts: attempt,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#dispatchers.values()].map((d) => d.close().catch(() => {})));
    this.#dispatchers.clear();
  }
}
