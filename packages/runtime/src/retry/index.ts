export { type BackoffDelayOptions, backoffDelay } from './backoff.ts';
export { type RetryOptions, retry } from './retry.ts';
export { sleep } from './sleep.ts';
