export { metricLabel, metricSamples, requestCounts } from './apiserver-requests.ts';
export { type CleanupClient, deleteAllAndWait, stopAfterDeleting } from './cleanup.ts';
export { type Certificates, type ClientIdentity, generateCertificates } from './cluster/certs.ts';
export {
  allocatePorts,
  type Cluster,
  type ClusterOptions,
  type ControllerPorts,
  type ControllerProcess,
  deploymentRolledOut,
  eventually,
  freePort,
  type InstallWeftOptions,
  imagesDir,
  inClusterValues,
  installWeft,
  ManagedProcess,
  nodeProcess,
  onRealNode,
  type ProcessSpec,
  pauseImageArchive,
  pauseImageReference,
  pushWeftImages,
  type RealNode,
  type RealNodeClusterOptions,
  realNodeDeployment,
  realNodeLabel,
  realNodeName,
  realNodeTaint,
  realNodeUnavailable,
  sharedKubeconfigEnv,
  startCluster,
  testNamespace,
  useCluster,
  type WeftController,
  type WeftInstallation,
  waitUntil,
  weftControllers,
  weftImageTag,
} from './cluster/index.ts';
export { type CrdClient, type CrdObject, installCrds } from './crds.ts';
export {
  type BuiltFluxController,
  buildFluxController,
  type FluxBuild,
  type FluxControllerName,
  type FluxCrd,
  fluxBinaryPath,
  fluxBuilds,
  fluxCrdFiles,
  readFluxCrds,
} from './flux/build.ts';
export { heapSnapshotFlags, summariseHeapSnapshot, writeHeapSnapshot } from './heap-snapshot.ts';
export { nodeEntry, warmCompileCache, weftProcess } from './node-entry.ts';
export {
  childrenPeakRssMiB,
  formatSeconds,
  loadAverage,
  type ProcessFigures,
  processFigures,
  processTree,
  sampleTreeMemory,
  treeCpuSeconds,
  treeMemoryMiB,
} from './process-figures.ts';
export * from './servers/index.ts';
export {
  type LeakClient,
  type LeakPlaces,
  objectPlaintextLeaks,
  plaintextLeaks,
  secretWord,
  sopsEncryptor,
} from './sops.ts';
export {
  cacheDir,
  e2eRoot,
  pinnedVersions,
  repoRoot,
  type ToolName,
  toolBuilt,
  toolPath,
} from './toolchain.ts';
