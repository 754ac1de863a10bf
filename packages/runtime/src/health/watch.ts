/**
 * Waiting for health on watch events instead of a poll interval: the objects still pending are
 * judged on the events of the shared watch of their kind and namespace (shared-watch.ts), so an
 * object is judged again the moment its controller writes its status, the wait ends then instead
 * of at the next poll, and a Deployment's rollout costs no GET per poll. The first events of a
 * watch opened for this wait are the objects' current state; joining one already open, the wait
 * reads its objects once.
 *
 * The watches go through the caller's client (an impersonated tenant, a remote cluster), so they
 * see exactly what a poll would. A watch the server refuses (no `watch` permission) or that fails
 * hands the objects still pending to the poll of wait.ts for the time left.
 */
import type { Client, WatchEvent } from '../client/client.ts';
import type { KubeObject, ObjectRef } from '../client/types.ts';
import type { CustomHealth } from './expressions.ts';
import { type Subscription, subscribe } from './shared-watch.ts';
import { computeStatus, type HealthResult, HealthStatus } from './status.ts';

export interface WatchWaitOptions {
  deadline: number;
  failFast: boolean;
  signal?: AbortSignal | undefined;
  now: () => number;
  custom?: CustomHealth | undefined;
  statusOf: (obj: KubeObject, custom: CustomHealth | undefined) => HealthResult;
  /** Reads the objects' health now (a poll's round): for a wait that joins an open watch. */
  read: (refs: ObjectRef[]) => Promise<{ ref: ObjectRef; status: HealthStatus; message: string }[]>;
}

/** How a watched wait ended: all Current, one Failed (fail fast), the deadline, or a watch failed. */
export type WatchOutcome = 'current' | 'failed' | 'timeout' | 'fallback';

const groupKey = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}`;

/**
 * Watches `pending` (whose last known health is in `health`, updated in place) until every one is
 * Current, or one is Failed and the rest Current or Failed (with failFast), or the deadline.
 */
export async function watchHealth(
  client: Pick<Client, 'watch' | 'transport'>,
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
  if (options.signal?.aborted) return 'timeout';
  const groups = new Map<string, ObjectRef[]>();
  for (const ref of pending) {
    const group = groups.get(groupKey(ref)) ?? [];
    group.push(ref);
    groups.set(groupKey(ref), group);
  }
  let decided = false;
  let settle: (outcome: WatchOutcome) => void = () => undefined;
  const settled = new Promise<WatchOutcome>((resolve) => {
    settle = (outcome) => {
      decided = true;
      resolve(outcome);
    };
  });
  // Current once is reached (kstatus, as the poll): a later event or read does not undo it.
  const update = (ref: ObjectRef, result: HealthResult): void => {
    if (decided || health.get(ref)?.status === HealthStatus.Current) return;
    health.set(ref, result);
    const outcome = verdict();
    if (outcome) settle(outcome);
  };
  // The caller gave up (shutdown): as at the deadline, with the health known so far.
  const onAbort = () => settle('timeout');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => settle('timeout'), Math.max(0, options.deadline - options.now()));
  const subscriptions: Subscription[] = [];
  try {
    for (const group of groups.values()) {
      const first = group[0] as ObjectRef;
      const byName = new Map(group.map((ref) => [ref.name, ref]));
      const subscription = subscribe(client, first.apiVersion, first.kind, first.namespace, {
        event: (event: WatchEvent) => {
          const obj = event.object as KubeObject | undefined;
          const ref = obj?.metadata ? byName.get(obj.metadata.name ?? '') : undefined;
          if (!obj || !ref) return;
          update(
            ref,
            event.type === 'DELETED' ? computeStatus(undefined) : options.statusOf(obj, options.custom),
          );
        },
        failed: () => settle('fallback'),
      });
      subscriptions.push(subscription);
      if (subscription.fresh) continue;
      // Joined an open watch: the objects' earlier events went by; one read catches up.
      void subscription.opened
        .then(() => options.read(group))
        .then(
          (results) => {
            for (const { ref, ...result } of results) update(ref, result);
          },
          () => settle('fallback'),
        );
    }
    return await settled;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    for (const subscription of subscriptions) subscription.close();
  }
}
