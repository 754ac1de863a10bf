/**
 * Which watch updates deserve a reconcile. Writing status (ours included) changes neither
 * generation nor annotations, so without these every status patch would trigger another
 * reconcile. As controller-runtime's GenerationChanged/AnnotationChanged/LabelChanged
 * predicates, plus a deletion starting. A resync (same resourceVersion) always passes.
 */
import type { KubeObject } from '../client/types.ts';
import { getRequestedAt } from './object.ts';

export type UpdatePredicate = (oldObj: KubeObject, newObj: KubeObject) => boolean;

export const generationChanged: UpdatePredicate = (o, n) => o.metadata.generation !== n.metadata.generation;

export const reconcileRequested: UpdatePredicate = (o, n) => {
  const requested = getRequestedAt(n);
  return requested !== undefined && requested !== getRequestedAt(o);
};

export const deletionStarted: UpdatePredicate = (o, n) =>
  !o.metadata.deletionTimestamp && Boolean(n.metadata.deletionTimestamp);

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const aKeys = Object.keys(a ?? {});
  if (aKeys.length !== Object.keys(b ?? {}).length) return false;
  return aKeys.every((k) => a?.[k] === b?.[k]);
}

export const labelsChanged: UpdatePredicate = (o, n) => !sameRecord(o.metadata.labels, n.metadata.labels);

export const isResync: UpdatePredicate = (o, n) =>
  o === n ||
  (o.metadata.resourceVersion !== undefined && o.metadata.resourceVersion === n.metadata.resourceVersion);

export function anyOf(...predicates: UpdatePredicate[]): UpdatePredicate {
  return (o, n) => predicates.some((p) => p(o, n));
}

/** The default filter of the runtime's controllers. */
export const defaultUpdatePredicate: UpdatePredicate = anyOf(
  isResync,
  generationChanged,
  reconcileRequested,
  deletionStarted,
  labelsChanged,
);
