/**
 * What a Manager is given: its options, a controller's registration, and where its kubeconfig
 * comes from (manager.ts is what it does with them).
 */
import { type KubeConfigLike, loadDefaultRestConfig, RestConfig } from '../client/kubeconfig.ts';
import type { KubeObject } from '../client/types.ts';
import type { EventSink } from '../events/types.ts';
import type { ListWatcher } from '../informer/informer.ts';
import type { Logger } from '../log/logger.ts';
import type { Registry } from '../metrics/registry.ts';
import type { Scheduler } from '../queue/scheduler.ts';
import type { UpdatePredicate } from '../reconcile/predicates.ts';
import type { InformerLike, PatchClient, Reconciler } from '../reconcile/types.ts';
import type { RuntimeFlags } from './flags.ts';
import type { LeaseStore } from './leader-election.ts';

export interface ManagerOptions {
  /** The controller's name, e.g. `source-controller`. */
  name: string;
  flags: RuntimeFlags;
  logger?: Logger;
  registry?: Registry;
  /**
   * Needed unless both `eventSink` and (with leader election) `leaseStore` are given: our
   * `RestConfig` (`loadKubeConfig`) or a client-node KubeConfig.
   */
  kubeConfig?: KubeConfigLike;
  eventSink?: EventSink;
  leaseStore?: LeaseStore;
  /** Leader election identity; default `<hostname>_<uuid>`. */
  identity?: string;
  /** Called to end the process after losing the lease or a signal-driven stop. */
  exit?: (code: number) => void;
  scheduler?: Scheduler;
  random?: () => number;
  /** Register process_* metrics (default true). */
  processMetrics?: boolean;
  /** What the cache lists and watches with; default a Client of the kubeconfig. */
  cacheClient?: ListWatcher;
}

export interface AddControllerOptions<T extends KubeObject> {
  reconciler: Reconciler<T>;
  /**
   * The objects to reconcile. Default: the cache's informer of the reconciler's kind, in the
   * watched namespace (`--watch-all-namespaces`/`--namespace`) and `--watch-label-selector`.
   */
  informer?: InformerLike<T>;
  client: PatchClient;
  /** Defaults to the reconciler's kind in lower case. */
  name?: string;
  updatePredicate?: UpdatePredicate;
}

/**
 * Loads the kubeconfig named by `--kubeconfig`, else the KUBECONFIG list, the in-cluster
 * ServiceAccount or ~/.kube/config, with our own loader (no client-node on this path).
 */
export function loadKubeConfig(flags: Pick<RuntimeFlags, 'kubeconfig'>): RestConfig {
  return flags.kubeconfig ? RestConfig.fromFiles(flags.kubeconfig) : loadDefaultRestConfig();
}
