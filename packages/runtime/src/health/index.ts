export * from './expressions.ts';
export * from './status.ts';
export * from './wait.ts';
