/** Jittered exponential backoff ("full jitter"): a random delay in [0, min(max, initial·2^attempt)]. */
export interface ReconnectBackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

export function backoffDelay(
  attempt: number,
  options: ReconnectBackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  // Never zero: half the ceiling is fixed, the other half random, so retries still spread out.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`, or early (without rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
