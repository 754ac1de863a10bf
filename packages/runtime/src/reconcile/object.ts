/**
 * Reading the common spec fields (`interval`, `retryInterval`, `suspend`) and the
 * `reconcile.weft.dev/requestedAt` annotation, and handling the finalizer list.
 */
import { Annotation } from '@weft/api';
import { isRecord, type KubeObject } from '../client/types.ts';
import { parseDuration } from './duration.ts';

function spec(obj: KubeObject): Record<string, unknown> {
  return isRecord(obj.spec) ? obj.spec : {};
}

export function status(obj: KubeObject): Record<string, unknown> {
  if (!isRecord(obj.status)) obj.status = {};
  return obj.status as Record<string, unknown>;
}

export function isSuspended(obj: KubeObject): boolean {
  return spec(obj).suspend === true;
}

function durationField(obj: KubeObject, field: string): number | undefined {
  const value = spec(obj)[field];
  return typeof value === 'string' && value !== '' ? parseDuration(value) : undefined;
}

/** `spec.interval` in ms, or undefined when unset. Throws DurationError on a bad value. */
export function getInterval(obj: KubeObject): number | undefined {
  return durationField(obj, 'interval');
}

/** `spec.retryInterval` in ms (Flux: defaults to interval when unset; here undefined = backoff). */
export function getRetryInterval(obj: KubeObject): number | undefined {
  return durationField(obj, 'retryInterval');
}

export function getRequestedAt(obj: {
  metadata: { annotations?: Record<string, string> | undefined };
}): string | undefined {
  return obj.metadata.annotations?.[Annotation.ReconcileRequestedAt];
}

export function isDeleting(obj: KubeObject): boolean {
  return typeof obj.metadata.deletionTimestamp === 'string' && obj.metadata.deletionTimestamp !== '';
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/**
 * A merge patch that adds or removes one finalizer. Merge patches replace lists whole, so the
 * patch carries the resourceVersion: a concurrent change to the list makes it fail with a
 * conflict (and a retry) instead of losing someone else's finalizer.
 */
export function finalizerPatch(obj: KubeObject, finalizer: string, present: boolean): unknown {
  const current = obj.metadata.finalizers ?? [];
  const finalizers = present
    ? current.includes(finalizer)
      ? current
      : [...current, finalizer]
    : current.filter((f) => f !== finalizer);
  const metadata: Record<string, unknown> = { finalizers };
  if (obj.metadata.resourceVersion) metadata.resourceVersion = obj.metadata.resourceVersion;
  return { metadata };
}
