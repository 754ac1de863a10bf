export { backoffDelay, type ReconnectBackoffOptions } from './backoff.ts';
export * from './cache.ts';
export * from './informer.ts';
