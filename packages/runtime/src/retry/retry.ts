/** Retrying an operation that may fail for a while (a network call), with the jittered backoff. */
import { type BackoffDelayOptions, backoffDelay } from './backoff.ts';
import { sleep } from './sleep.ts';

export interface RetryOptions extends BackoffDelayOptions {
  /** Attempts after the first one. */
  retries: number;
  /** Whether a failure is worth another attempt; a `false` rethrows it at once. */
  retryable: (error: unknown) => boolean;
  /** Stops retrying: the last failure is rethrown after the current attempt. */
  signal?: AbortSignal | undefined;
  random?: () => number;
}

/**
 * Runs `attempt(n)` (n counts from 1) until it resolves, a failure is not retryable, the retries
 * are used up, or the signal aborts; then rethrows the last failure.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n > options.retries || options.signal?.aborted || !options.retryable(error)) throw error;
      await sleep(backoffDelay(n - 1, options, options.random), options.signal);
    }
  }
}
