/** Waiting for objects to be gone: a recreation, a prune with WaitForTermination. */
import type { Client } from '../client/client.ts';
import { describeObject, type KubeObject, type ObjectRef } from '../client/types.ts';
import { sleep } from '../retry/index.ts';

export interface DeletionWaitOptions {
  timeoutMs: number;
  /** Between two reads of the objects (default 500 ms). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Objects still there when the wait for their deletion ran out. */
export class DeletionTimeoutError extends Error {
  override name = 'DeletionTimeoutError';
  readonly remaining: KubeObject[];
  constructor(remaining: KubeObject[]) {
    super(`timeout waiting for termination of ${remaining.map((o) => describeObject(o)).join(', ')}`);
    this.remaining = remaining;
  }
}

/** Polls until none of `refs` exists; throws DeletionTimeoutError naming the rest at the deadline. */
export async function waitForDeletion(
  client: Pick<Client, 'find'>,
  refs: ObjectRef[],
  options: DeletionWaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const found = await Promise.all(refs.map((ref) => client.find(ref, options.signal)));
    const remaining = found.filter((o): o is KubeObject => o !== undefined);
    if (remaining.length === 0) return;
    if (Date.now() > deadline || options.signal?.aborted) throw new DeletionTimeoutError(remaining);
    await sleep(options.intervalMs ?? 500, options.signal);
  }
}
