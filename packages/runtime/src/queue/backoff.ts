/**
 * Per-key exponential backoff, as client-go's ItemExponentialFailureRateLimiter: the n-th
 * consecutive failure of a key waits `base * 2^(n-1)`, capped at `max`; a success forgets the key.
 */
export interface BackoffOptions {
  /** Delay after the first failure, in ms. */
  baseMs: number;
  /** Upper bound of the delay, in ms. */
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 5, maxMs: 1000 * 1000 };

export class ExponentialBackoff {
  readonly #options: BackoffOptions;
  readonly #failures = new Map<string, number>();

  constructor(options: Partial<BackoffOptions> = {}) {
    this.#options = { ...defaultBackoff, ...options };
    if (this.#options.baseMs <= 0 || this.#options.maxMs < this.#options.baseMs) {
      throw new RangeError(
        `backoff needs 0 < baseMs <= maxMs, got baseMs=${this.#options.baseMs} maxMs=${this.#options.maxMs}`,
      );
    }
  }

  /** Records one more failure of `key` and returns how long to wait before the retry. */
  next(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    return this.delay(failures);
  }

  /** The delay after `failures` consecutive failures. */
  delay(failures: number): number {
    if (failures <= 0) return 0;
    // 2^exponent overflows to Infinity for large counts; min() keeps the cap.
    return Math.min(this.#options.maxMs, this.#options.baseMs * 2 ** (failures - 1));
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}
