import { GitError } from './errors.ts';

/** Caps one fetch: bytes received from the server (refs and pack), and bytes written by the checkout. */
export interface FetchLimits {
  /** Default 512 MiB. */
  maxFetchBytes: number;
  /** Default 1 GiB. */
  maxCheckoutBytes: number;
}

export const defaultFetchLimits: FetchLimits = {
  maxFetchBytes: 512 * 1024 * 1024,
  maxCheckoutBytes: 1024 * 1024 * 1024,
};

/** Counts bytes against a cap; throws TooLarge once over it. */
export class ByteBudget {
  readonly #limit: number;
  readonly #what: string;
  used = 0;

  constructor(limit: number, what: string) {
    this.#limit = limit;
    this.#what = what;
  }

  add(bytes: number): void {
    this.used += bytes;
    if (this.used > this.#limit) {
      throw new GitError(
        'TooLarge',
        `repository too large: the ${this.#what} exceeds ${formatBytes(this.#limit)} (the controller's limit)`,
        { details: { limit: this.#limit, what: this.#what } },
      );
    }
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MiB`;
  return `${bytes} bytes`;
}
