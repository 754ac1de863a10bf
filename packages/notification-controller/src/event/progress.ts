/**
 * Delivery progress, recorded on the Event itself so it survives restarts: one annotation per
 * Alert, `notification.weft.dev/delivered-<alert uid>: <count>,<sent at>,<outcome>`, written
 * after the send. `count` is the `series.count` handled; a later occurrence of the same series
 * is a new delivery (subject to the rate limit). One key per Alert keeps concurrent writes of
 * different Alerts from overwriting each other under JSON merge patch.
 */
import { NotificationGroup } from '@weft/api';

export type Outcome = 'sent' | 'limited' | 'filtered' | 'skipped' | 'failed';

export interface Progress {
  count: number;
  /** When the event last went out through this Alert (ms); 0 when it never did. */
  sentAtMs: number;
  outcome: Outcome;
}

export function progressKey(alertUid: string): string {
  return `${NotificationGroup}/delivered-${alertUid}`;
}

export function formatProgress(progress: Progress): string {
  const at = progress.sentAtMs > 0 ? new Date(progress.sentAtMs).toISOString() : '';
  return `${progress.count},${at},${progress.outcome}`;
}

export function parseProgress(value: string | undefined): Progress | undefined {
  if (!value) return undefined;
  const [count, at, outcome] = value.split(',');
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1) return undefined;
  const sentAtMs = at ? Date.parse(at) : 0;
  const known: Outcome[] = ['sent', 'limited', 'filtered', 'skipped', 'failed'];
  return {
    count: n,
    sentAtMs: Number.isNaN(sentAtMs) ? 0 : sentAtMs,
    outcome: known.includes(outcome as Outcome) ? (outcome as Outcome) : 'sent',
  };
}
