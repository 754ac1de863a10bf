export { type Cluster, type ClusterOptions, startCluster } from './cluster.ts';
export { sharedKubeconfigEnv, testNamespace, useCluster } from './shared.ts';
export { eventually, waitUntil } from './wait.ts';
