/**
 * Waiting for health on watch events instead of a poll interval: one watch per kind and namespace
 * of the objects still pending (a field selector on the name when there is one object), opened
 * without a resourceVersion so that its first events are the objects' current state (a GET's
 * answer) and the next ones every change after it. An object is judged again the moment its
 * controller writes its status, so the wait ends then instead of at the next poll, and a
 * Deployment's rollout costs one request instead of one GET per poll.
 *
 * The watches go through the caller's client (an impersonated tenant, a remote cluster), so they
 * see exactly what a poll would. A watch the server refuses (no `watch` permission) or that fails
 * hands the objects still pending to the poll of wait.ts for the time left.
 */
import type { Client } from '../client/client.ts';
import type { KubeObject, ObjectRef } from '../client/types.ts';
import type { CustomHealth } from './expressions.ts';
import { computeStatus, type HealthResult, HealthStatus } from './status.ts';

export interface WatchWaitOptions {
  deadline: number;
  failFast: boolean;
  signal?: AbortSignal | undefined;
  now: () => number;
  custom?: CustomHealth | undefined;
  statusOf: (obj: KubeObject, custom: CustomHealth | undefined) => HealthResult;
}

/** How a watched wait ended: all Current, one Failed (fail fast), the deadline, or a watch failed. */
export type WatchOutcome = 'current' | 'failed' | 'timeout' | 'fallback';

const groupKey = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}`;

/**
 * Watches `pending` (whose last known health is in `health`, updated in place) until every one is
 * Current, or one is Failed and the rest Current or Failed (with failFast), or the deadline.
 */
export async function watchHealth(
  client: Pick<Client, 'watch'>,
  pending: ObjectRef[],
  health: Map<ObjectRef, HealthResult>,
  options: WatchWaitOptions,
): Promise<WatchOutcome> {
  // All Current, or (fail fast) the rest Failed: decided, else undefined.
  const verdict = (): WatchOutcome | undefined => {
    const notCurrent = pending.filter((ref) => health.get(ref)?.status !== HealthStatus.Current);
    if (notCurrent.length === 0) return 'current';
    if (options.failFast && notCurrent.every((ref) => health.get(ref)?.status === HealthStatus.Failed))
      return 'failed';
    return undefined;
  };
  // What is known already may decide it (Failed in the apply's answer): no watch then.
  const known = verdict();
  if (known) return known;
  const groups = new Map<string, ObjectRef[]>();
  for (const ref of pending) {
    const group = groups.get(groupKey(ref)) ?? [];
    group.push(ref);
    groups.set(groupKey(ref), group);
  }
  const stop = new AbortController();
  let settle: (outcome: WatchOutcome) => void = () => undefined;
  const settled = new Promise<WatchOutcome>((resolve) => {
    settle = (outcome) => {
      stop.abort();
      resolve(outcome);
    };
  });
  // The caller gave up (shutdown): as at the deadline, with the health known so far.
  const onAbort = () => settle('timeout');
  if (options.signal?.aborted) return 'timeout';
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const judge = (): void => {
    const outcome = verdict();
    if (outcome) settle(outcome);
  };
  const timer = setTimeout(() => settle('timeout'), Math.max(0, options.deadline - options.now()));
  try {
    for (const group of groups.values()) {
      void watchGroup(client, group, health, options, stop.signal, judge).then(
        () => {
          if (!stop.signal.aborted) settle(options.now() >= options.deadline ? 'timeout' : 'fallback');
        },
        () => {
          if (!stop.signal.aborted) settle('fallback');
        },
      );
    }
    return await settled;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/** One kind in one namespace: reopens the watch when the server ends it, until `signal` aborts. */
async function watchGroup(
  client: Pick<Client, 'watch'>,
  group: ObjectRef[],
  health: Map<ObjectRef, HealthResult>,
  options: WatchWaitOptions,
  signal: AbortSignal,
  judge: () => void,
): Promise<void> {
  const first = group[0] as ObjectRef;
  const byName = new Map(group.map((ref) => [ref.name, ref]));
  while (!signal.aborted) {
    const remainingSeconds = Math.ceil(Math.max(1, options.deadline - options.now()) / 1000);
    const events = await client.watch(first.apiVersion, first.kind, {
      namespace: first.namespace,
      ...(group.length === 1 ? { fieldSelector: `metadata.name=${first.name}` } : {}),
      allowWatchBookmarks: false,
      timeoutSeconds: remainingSeconds + 1,
      signal,
    });
    for await (const event of events) {
      if (event.type === 'ERROR') throw new Error('the watch answered with an error');
      const obj = event.object as KubeObject | undefined;
      const ref = obj?.metadata ? byName.get(obj.metadata.name ?? '') : undefined;
      // Current once is reached (kstatus, as the poll): a later event does not undo it.
      if (!obj || !ref || health.get(ref)?.status === HealthStatus.Current) continue;
      health.set(
        ref,
        event.type === 'DELETED' ? computeStatus(undefined) : options.statusOf(obj, options.custom),
      );
      judge();
    }
    // The server closed it (its timeout): past the deadline the caller's timer has settled.
    if (options.now() >= options.deadline) return;
  }
}
