export {
  type Cluster,
  type ClusterOptions,
  eventually,
  freePort,
  ManagedProcess,
  type ProcessSpec,
  sharedKubeconfigEnv,
  startCluster,
  testNamespace,
  useCluster,
  waitUntil,
} from './cluster/index.ts';
export { nodeEntry } from './node-entry.ts';
export * from './servers/index.ts';
export { cacheDir, e2eRoot, pinnedVersions, repoRoot, type ToolName, toolPath } from './toolchain.ts';
