export * from './client.ts';
export * from './discovery.ts';
export * from './errors.ts';
export * from './kubeconfig.ts';
export * from './remote.ts';
export * from './transport.ts';
export * from './types.ts';
