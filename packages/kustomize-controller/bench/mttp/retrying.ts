/**
 * The bulk-apply limit's transport: the controller's own (KubeConfigTransport), with every request
 * the apiserver answers "not now" (504 Timeout, 503, 429) retried after the runtime's jittered
 * backoff, and the retries counted. A controller gets the same from its work queue (the
 * Kustomization is requeued with a backoff); without it one 504 of 2,000 applies on a loaded
 * apiserver would fail the whole limit instead of slowing it, which is what the controller sees.
 * Applies and reads only: both are safe to repeat (server-side apply is idempotent).
 */
import { ApiError, type HttpRequest, type HttpResponse, type Transport } from '@weft/runtime/client';
import { retry } from '@weft/runtime/retry';

const busyCodes = new Set([429, 503, 504]);

export const isBusy = (error: unknown): boolean => error instanceof ApiError && busyCodes.has(error.code);

/** Up to ~2 minutes of backoff per request: a stalled apiserver still fails the limit, named. */
const retryCount = 10;

export class RetryingTransport implements Transport {
  readonly #inner: Transport;
  readonly #counts: Map<number, number>;
  readonly server: string;

  constructor(inner: Transport, counts: Map<number, number> = new Map()) {
    this.#inner = inner;
    this.#counts = counts;
    this.server = inner.server;
  }

  /** Retries so far by HTTP status (shared with the transports made by withHeaders). */
  get retries(): ReadonlyMap<number, number> {
    return this.#counts;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    return retry(
      async (attempt) => {
        try {
          return await this.#inner.request(req);
        } catch (error) {
          if (isBusy(error) && attempt <= retryCount) {
            const code = (error as ApiError).code;
            this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1);
          }
          throw error;
        }
      },
      { retries: retryCount, retryable: isBusy, initialMs: 1000, maxMs: 15_000, signal: req.signal },
    );
  }

  stream(req: HttpRequest): Promise<AsyncIterable<unknown>> {
    return this.#inner.stream(req);
  }

  withHeaders(headers: Record<string, string | string[]>): Transport {
    return new RetryingTransport(this.#inner.withHeaders(headers), this.#counts);
  }
}

/** `504 ×12, 429 ×3`, or `none`. */
export function describeRetries(retries: ReadonlyMap<number, number>): string {
  const parts = [...retries].sort((a, b) => a[0] - b[0]).map(([code, n]) => `${code} ×${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}
