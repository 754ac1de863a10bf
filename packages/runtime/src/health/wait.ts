/** Waits until a set of objects is healthy (kstatus Current), polling their live state. */

import type { Client } from '../client/client.ts';
import { isNotFound } from '../client/errors.ts';
import { describeObject, type ObjectRef } from '../client/types.ts';
import { errorMessage } from '../errors/index.ts';
import { sleep } from '../retry/index.ts';
import { computeStatus, type HealthResult, HealthStatus } from './status.ts';

export interface ObjectHealth extends HealthResult {
  ref: ObjectRef;
}

export interface WaitOptions {
  /** Give up after this long (required: a health check must end). */
  timeoutMs: number;
  /** Poll interval (default 1 s). */
  intervalMs?: number;
  /** Stop as soon as every object is Current or Failed and one is Failed (default true). */
  failFast?: boolean;
  signal?: AbortSignal;
  now?: () => number;
}

/** Not every object became Current in time; `objects` lists those that did not, and why. */
export class HealthCheckError extends Error {
  override name = 'HealthCheckError';
  readonly objects: ObjectHealth[];
  readonly timedOut: boolean;
  constructor(objects: ObjectHealth[], timedOut: boolean) {
    const lines = objects.map((o) => `${describeObject(o.ref)} status: '${o.status}': ${o.message}`);
    super(`${timedOut ? 'timeout waiting for' : 'health check failed for'}: [${lines.join(', ')}]`);
    this.objects = objects;
    this.timedOut = timedOut;
  }
}

/** Reads each object once and computes its status. */
export async function checkHealth(client: Client, refs: ObjectRef[]): Promise<ObjectHealth[]> {
  return Promise.all(
    refs.map(async (ref): Promise<ObjectHealth> => {
      try {
        return { ref, ...computeStatus(await client.get(ref)) };
      } catch (err) {
        if (isNotFound(err)) return { ref, ...computeStatus(undefined) };
        return {
          ref,
          status: HealthStatus.Unknown,
          message: errorMessage(err),
        };
      }
    }),
  );
}

/** Resolves with every object's health once all are Current; throws HealthCheckError otherwise. */
export async function waitForHealthy(
  client: Client,
  refs: ObjectRef[],
  options: WaitOptions,
): Promise<ObjectHealth[]> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const interval = options.intervalMs ?? 1000;
  let pending = refs;
  const done: ObjectHealth[] = [];
  for (;;) {
    const results = await checkHealth(client, pending);
    const notCurrent = results.filter((r) => r.status !== HealthStatus.Current);
    done.push(...results.filter((r) => r.status === HealthStatus.Current));
    if (notCurrent.length === 0) return done;
    if ((options.failFast ?? true) && notCurrent.every((r) => r.status === HealthStatus.Failed)) {
      throw new HealthCheckError(notCurrent, false);
    }
    if (now() >= deadline || options.signal?.aborted) throw new HealthCheckError(notCurrent, true);
    // Objects already Current are not polled again: kstatus treats Current as reached.
    pending = notCurrent.map((r) => r.ref);
    await sleep(Math.min(interval, Math.max(0, deadline - now())), options.signal);
  }
}
