import { errorMessage } from '../errors.ts';
import { sleep } from '../servers/process.ts';

/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes. A thrown error
 * counts as "not yet"; the last one is kept so a timeout says what was last seen, not just
 * "timed out". `abort` ends the wait early (a component that crashed, say).
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; abort?: Promise<string> },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastReason = 'no attempt finished';
  let aborted: string | undefined;
  options.abort?.then((reason) => {
    aborted = reason;
  });
  for (;;) {
    if (aborted) throw new Error(`while waiting for ${what}: ${aborted}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastReason = 'not yet';
    } catch (error) {
      lastReason = errorMessage(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what} (last: ${lastReason})`);
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/** waitUntil for tests: `await eventually('3 ready replicas', async () => … || undefined)`. */
export function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  return waitUntil(what, check, { timeoutMs, intervalMs: 200 });
}
