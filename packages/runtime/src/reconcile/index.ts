export { Controller, type ControllerOptions, type WatchSource } from './controller.ts';
export { DurationError, formatDuration, parseDuration } from './duration.ts';
export {
  finalizerPatch,
  getInterval,
  getRequestedAt,
  getRetryInterval,
  hasFinalizer,
  isDeleting,
  isSuspended,
} from './object.ts';
export {
  anyOf,
  defaultUpdatePredicate,
  deletionStarted,
  generationChanged,
  isResync,
  labelsChanged,
  reconcileRequested,
  type UpdatePredicate,
} from './predicates.ts';
export {
  type EventEmitter,
  type InformerLike,
  type PatchClient,
  type ReadyReason,
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from './types.ts';
