/**
 * Waits until a set of objects is healthy (kstatus Current), polling their live state, or (with
 * `watch`) on watch events of the objects still pending (watch.ts), polling only when a watch fails.
 */

import type { Client } from '../client/client.ts';
import { isNotFound } from '../client/errors.ts';
import { describeObject, type KubeObject, type ObjectRef } from '../client/types.ts';
import { errorMessage } from '../errors/index.ts';
import { sleep } from '../retry/index.ts';
import type { CustomHealth } from './expressions.ts';
import { computeStatus, type HealthResult, HealthStatus } from './status.ts';
import { watchHealth } from './watch.ts';

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
  /** Rules that replace the built-in ones for some kinds (healthCheckExprs). */
  custom?: CustomHealth;
  /**
   * The objects as the apiserver last returned them (an apply's responses): those already
   * Current are not read at all, the others are read at the first poll instead of at once.
   */
  objects?: readonly KubeObject[];
  /**
   * Wait on watch events instead of polls (see watch.ts): judged again on every change, on one
   * watch per kind and namespace that the waits of the client share (shared-watch.ts). Polls
   * for what is left if a watch is refused or fails.
   */
  watch?: boolean;
}

/** The first poll comes soon (a controller often updates a status within ms), later ones back off to the interval. */
const firstPollMs = 100;

const refKey = (ref: ObjectRef) => `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;

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

/** Reads each object once and computes its status (with `custom` rules first, when given). */
function statusOf(obj: KubeObject, custom: CustomHealth | undefined): HealthResult {
  return (obj.metadata.deletionTimestamp ? undefined : custom?.(obj)) ?? computeStatus(obj);
}

export async function checkHealth(
  client: Client,
  refs: ObjectRef[],
  custom?: CustomHealth,
): Promise<ObjectHealth[]> {
  return Promise.all(
    refs.map(async (ref): Promise<ObjectHealth> => {
      try {
        return { ref, ...statusOf(await client.get(ref), custom) };
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
  let delay = Math.min(interval, firstPollMs);
  const known = new Map(
    options.objects?.map((obj) => [
      refKey({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name ?? '',
      }),
      obj,
    ]),
  );
  // The first round reads only the objects not known already.
  let pending: ObjectRef[] = [];
  let fromKnown: ObjectHealth[] = [];
  for (const ref of refs) {
    const obj = known.get(refKey(ref));
    if (obj) fromKnown.push({ ref, ...statusOf(obj, options.custom) });
    else pending.push(ref);
  }
  const done: ObjectHealth[] = [];
  if (options.watch && pending.length + fromKnown.length > 0) {
    const health = new Map<ObjectRef, HealthResult>();
    for (const result of fromKnown) health.set(result.ref, result);
    for (const ref of pending) health.set(ref, computeStatus(undefined));
    const waiting = [...health.keys()].filter((ref) => health.get(ref)?.status !== HealthStatus.Current);
    const outcome =
      waiting.length === 0
        ? 'current'
        : await watchHealth(client, waiting, health, {
            deadline,
            failFast: options.failFast ?? true,
            signal: options.signal,
            now,
            custom: options.custom,
            statusOf,
            read: (refs) => checkHealth(client, refs, options.custom),
          });
    const results = [...health].map(([ref, result]): ObjectHealth => ({ ref, ...result }));
    const notCurrent = results.filter((r) => r.status !== HealthStatus.Current);
    done.push(...results.filter((r) => r.status === HealthStatus.Current));
    if (outcome === 'current') return done;
    if (outcome === 'failed') throw new HealthCheckError(notCurrent, false);
    if (outcome === 'timeout') throw new HealthCheckError(notCurrent, true);
    // A watch failed: poll the rest from now on.
    fromKnown = [];
    pending = notCurrent.map((r) => r.ref);
  }
  for (;;) {
    const results = [...fromKnown, ...(await checkHealth(client, pending, options.custom))];
    fromKnown = [];
    const notCurrent = results.filter((r) => r.status !== HealthStatus.Current);
    done.push(...results.filter((r) => r.status === HealthStatus.Current));
    if (notCurrent.length === 0) return done;
    if ((options.failFast ?? true) && notCurrent.every((r) => r.status === HealthStatus.Failed)) {
      throw new HealthCheckError(notCurrent, false);
    }
    if (now() >= deadline || options.signal?.aborted) throw new HealthCheckError(notCurrent, true);
    // Objects already Current are not polled again: kstatus treats Current as reached.
    pending = notCurrent.map((r) => r.ref);
    await sleep(Math.min(delay, Math.max(0, deadline - now())), options.signal);
    delay = Math.min(interval, delay * 2);
  }
}
