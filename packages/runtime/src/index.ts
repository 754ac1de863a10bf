export * as conditions from './conditions/index.ts';
export * from './events/index.ts';
export * from './log/index.ts';
export * from './metrics/index.ts';
export * from './queue/index.ts';
export * from './reconcile/index.ts';
