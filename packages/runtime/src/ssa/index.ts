export * from './compare.ts';
export * from './errors.ts';
export * from './ignore.ts';
export * from './inventory.ts';
export * from './manager.ts';
export * from './stages.ts';
export * from './takeover.ts';
