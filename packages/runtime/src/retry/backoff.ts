/**
 * The one jittered exponential backoff of weft ("equal jitter"): after `attempt` failures the
 * ceiling is min(max, initial·2^attempt), and the delay is half the ceiling plus a random part of
 * the other half, so a delay lies in [ceiling/2, ceiling]. Never near zero, so a retry storm still
 * waits; random above that, so many clients that failed together do not retry together.
 */
export interface BackoffDelayOptions {
  /** The ceiling of the first delay (attempt 0), in ms. */
  initialMs?: number;
  /** The largest ceiling, in ms. */
  maxMs?: number;
}

export function backoffDelay(
  attempt: number,
  options: BackoffDelayOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 30_000;
  // min(attempt, 30) keeps 2^attempt finite; the cap applies long before.
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
