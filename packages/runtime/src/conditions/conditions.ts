/**
 * Helpers on `status.conditions` (metav1.Condition), as fluxcd/pkg `runtime/conditions`:
 * setting a condition keeps `lastTransitionTime` unless the status changes, and stamps the
 * object's `metadata.generation` as the condition's `observedGeneration`.
 */
import type { Condition } from '@weft/api';

/** Any object with conditions in its status. */
export interface Conditioned {
  metadata: { generation?: number | undefined };
  status?: { conditions?: Condition[] | undefined } | undefined;
}

export type ConditionStatus = Condition['status'];

/** What a step says about one condition; the helpers fill in the rest. */
export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message?: string;
}

/** Clock for lastTransitionTime; tests pass a fixed one. */
export type Now = () => Date;
const systemNow: Now = () => new Date();

/** metav1.Time: RFC 3339 with seconds precision. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function getConditions(obj: Conditioned): Condition[] {
  return obj.status?.conditions ?? [];
}

export function getCondition(obj: Conditioned, type: string): Condition | undefined {
  return getConditions(obj).find((c) => c.type === type);
}

export function has(obj: Conditioned, type: string): boolean {
  return getCondition(obj, type) !== undefined;
}

export function isTrue(obj: Conditioned, type: string): boolean {
  return getCondition(obj, type)?.status === 'True';
}

export function isFalse(obj: Conditioned, type: string): boolean {
  return getCondition(obj, type)?.status === 'False';
}

/** True when the condition is Unknown or missing. */
export function isUnknown(obj: Conditioned, type: string): boolean {
  const condition = getCondition(obj, type);
  return condition === undefined || condition.status === 'Unknown';
}

export function getReason(obj: Conditioned, type: string): string | undefined {
  return getCondition(obj, type)?.reason;
}

export function getMessage(obj: Conditioned, type: string): string | undefined {
  return getCondition(obj, type)?.message;
}

/**
 * Sets a condition. `lastTransitionTime` changes only when the status does; reason, message
 * and observedGeneration are always updated. Returns true when anything changed.
 */
export function setCondition(obj: Conditioned, update: ConditionUpdate, now: Now = systemNow): boolean {
  obj.status ??= {};
  obj.status.conditions ??= [];
  const conditions = obj.status.conditions;
  const index = conditions.findIndex((c) => c.type === update.type);
  const existing = conditions[index];
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message ?? '',
    lastTransitionTime:
      existing && existing.status === update.status ? existing.lastTransitionTime : formatTime(now()),
  };
  const generation = obj.metadata.generation;
  if (generation !== undefined) next.observedGeneration = generation;
  if (!existing) {
    conditions.push(next);
    return true;
  }
  const changed =
    existing.status !== next.status ||
    existing.reason !== next.reason ||
    existing.message !== next.message ||
    existing.observedGeneration !== next.observedGeneration;
  conditions[index] = next;
  return changed;
}

export function markTrue(obj: Conditioned, type: string, reason: string, message = '', now?: Now): boolean {
  return setCondition(obj, { type, status: 'True', reason, message }, now);
}

export function markFalse(obj: Conditioned, type: string, reason: string, message = '', now?: Now): boolean {
  return setCondition(obj, { type, status: 'False', reason, message }, now);
}

export function markUnknown(
  obj: Conditioned,
  type: string,
  reason: string,
  message = '',
  now?: Now,
): boolean {
  return setCondition(obj, { type, status: 'Unknown', reason, message }, now);
}

/** Removes a condition; returns true when it was there. */
export function removeCondition(obj: Conditioned, type: string): boolean {
  const conditions = obj.status?.conditions;
  if (!conditions) return false;
  const index = conditions.findIndex((c) => c.type === type);
  if (index < 0) return false;
  conditions.splice(index, 1);
  return true;
}

/** True when the condition was computed for the object's current generation. */
export function isCurrent(obj: Conditioned, type: string): boolean {
  const condition = getCondition(obj, type);
  return condition !== undefined && condition.observedGeneration === obj.metadata.generation;
}
