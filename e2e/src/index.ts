export {
  type Cluster,
  type ClusterOptions,
  sharedKubeconfigEnv,
  startCluster,
  testNamespace,
  useCluster,
} from './cluster/index.ts';
export * from './servers/index.ts';
export { cacheDir, e2eRoot, pinnedVersions, repoRoot, type ToolName, toolPath } from './toolchain.ts';
