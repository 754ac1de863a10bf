export {
  FlagError,
  type ParsedFlags,
  parseAddress,
  parseDurationFlag,
  parseFlags,
  parsePositiveIntegerFlag,
  type RuntimeFlags,
  shardScope,
  watchNamespace,
} from './flags.ts';
export { KubeLeaseStore } from './kube-lease-store.ts';
export {
  type LeaderElectionOptions,
  LeaderElector,
  type LeaseRecord,
  type LeaseStore,
  MemoryLeaseStore,
  type StoredLease,
} from './leader-election.ts';
export {
  type AddControllerOptions,
  loadKubeConfig,
  Manager,
  type ManagerOptions,
  type Runnable,
} from './manager.ts';
export { type Check, Checks, ProbesServer, type ProbesServerOptions } from './probes.ts';
export { type ControllerMain, type RunOptions, runController } from './run.ts';
