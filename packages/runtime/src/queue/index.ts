export { type BackoffOptions, defaultBackoff, ExponentialBackoff } from './backoff.ts';
export { FakeScheduler, realScheduler, type Scheduler } from './scheduler.ts';
export {
  type KeyHandler,
  type ProcessResult,
  type QueueMetricsHooks,
  RetryAfterError,
  WorkQueue,
  type WorkQueueOptions,
} from './work-queue.ts';
