export { type Cluster, type ClusterOptions, type RealNodeClusterOptions, startCluster } from './cluster.ts';
export {
  allocatePorts,
  type ControllerPorts,
  type ControllerProcess,
  deploymentRolledOut,
  type InstallWeftOptions,
  inClusterValues,
  installWeft,
  nodeProcess,
  pushWeftImages,
  type WeftController,
  type WeftInstallation,
  weftControllers,
  weftImageTag,
} from './install-weft.ts';
export { freePort } from './ports.ts';
export { ManagedProcess, type ProcessSpec } from './process.ts';
export {
  imagesDir,
  onRealNode,
  pauseImageArchive,
  pauseImageReference,
  type RealNode,
  realNodeDeployment,
  realNodeLabel,
  realNodeName,
  realNodeTaint,
  realNodeUnavailable,
} from './real-node/index.ts';
export { sharedKubeconfigEnv, testNamespace, useCluster } from './shared.ts';
export { eventually, waitUntil } from './wait.ts';
