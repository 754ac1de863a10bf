export * from './status.ts';
export * from './wait.ts';
