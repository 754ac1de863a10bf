export {
  type Cluster,
  type ClusterOptions,
  eventually,
  freePort,
  imagesDir,
  ManagedProcess,
  onRealNode,
  type ProcessSpec,
  pauseImageArchive,
  pauseImageReference,
  type RealNode,
  type RealNodeClusterOptions,
  realNodeLabel,
  realNodeName,
  realNodeTaint,
  realNodeUnavailable,
  sharedKubeconfigEnv,
  startCluster,
  testNamespace,
  useCluster,
  waitUntil,
} from './cluster/index.ts';
export { nodeEntry } from './node-entry.ts';
export * from './servers/index.ts';
export {
  cacheDir,
  e2eRoot,
  pinnedVersions,
  repoRoot,
  type ToolName,
  toolBuilt,
  toolPath,
} from './toolchain.ts';
