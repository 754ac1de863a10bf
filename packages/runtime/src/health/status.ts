/**
 * kstatus-style status of an object: is it what its spec asks for? Rules for built-in kinds
 * follow kstatus (sigs.k8s.io/cli-utils); custom resources are read through their `Ready`,
 * `Reconciling` and `Stalled` conditions and `status.observedGeneration`.
 */
import { isRecord, type KubeObject, parseApiVersion } from '../client/types.ts';

export const HealthStatus = {
  Current: 'Current',
  InProgress: 'InProgress',
  Failed: 'Failed',
  Terminating: 'Terminating',
  NotFound: 'NotFound',
  Unknown: 'Unknown',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export interface HealthResult {
  status: HealthStatus;
  message: string;
}

interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message: string;
}

function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}
function num(obj: unknown, ...path: string[]): number | undefined {
  const value = field(obj, ...path);
  return typeof value === 'number' ? value : undefined;
}
function str(obj: unknown, ...path: string[]): string | undefined {
  const value = field(obj, ...path);
  return typeof value === 'string' ? value : undefined;
}
function conditions(obj: KubeObject): ConditionView[] {
  const list = field(obj, 'status', 'conditions');
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((c) => ({
    type: String(c.type ?? ''),
    status: String(c.status ?? ''),
    reason: String(c.reason ?? ''),
    message: String(c.message ?? ''),
  }));
}
function condition(obj: KubeObject, type: string): ConditionView | undefined {
  return conditions(obj).find((c) => c.type === type);
}

const current = (message: string): HealthResult => ({ status: HealthStatus.Current, message });
const inProgress = (message: string): HealthResult => ({ status: HealthStatus.InProgress, message });
const failed = (message: string): HealthResult => ({ status: HealthStatus.Failed, message });

type Rule = (obj: KubeObject) => HealthResult;

function deploymentStatus(obj: KubeObject): HealthResult {
  const want = num(obj, 'spec', 'replicas') ?? 1;
  const progressing = condition(obj, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return failed(`Progress deadline exceeded: ${progressing.message}`);
  }
  // As kstatus: with a progress deadline (the apiserver's default) the Deployment controller
  // says when the new ReplicaSet is available; until then, even at 0 replicas, it is not Current.
  const rolledOut =
    num(obj, 'spec', 'progressDeadlineSeconds') === undefined ||
    (progressing?.status === 'True' && progressing.reason === 'NewReplicaSetAvailable');
  const replicas = num(obj, 'status', 'replicas') ?? 0;
  const updated = num(obj, 'status', 'updatedReplicas') ?? 0;
  const ready = num(obj, 'status', 'readyReplicas') ?? 0;
  const available = num(obj, 'status', 'availableReplicas') ?? 0;
  if (updated < want) return inProgress(`Updated: ${updated}/${want}`);
  if (replicas > updated) return inProgress(`Pending termination: ${replicas - updated}`);
  if (available < want) return inProgress(`Available: ${available}/${want}`);
  if (ready < want) return inProgress(`Ready: ${ready}/${want}`);
  if (!rolledOut) return inProgress('ReplicaSet not Available');
  if (condition(obj, 'Available')?.status !== 'True') return inProgress('Deployment is not Available');
  return current(`Deployment is available. Replicas: ${replicas}`);
}

function statefulSetStatus(obj: KubeObject): HealthResult {
  const want = num(obj, 'spec', 'replicas') ?? 1;
  if (str(obj, 'spec', 'updateStrategy', 'type') === 'OnDelete')
    return current('StatefulSet uses OnDelete updates');
  const replicas = num(obj, 'status', 'replicas') ?? 0;
  const ready = num(obj, 'status', 'readyReplicas') ?? 0;
  const updated = num(obj, 'status', 'updatedReplicas') ?? 0;
  const currentReplicas = num(obj, 'status', 'currentReplicas') ?? 0;
  if (replicas < want) return inProgress(`Replicas: ${replicas}/${want}`);
  if (ready < want) return inProgress(`Ready: ${ready}/${want}`);
  const partition = num(obj, 'spec', 'updateStrategy', 'rollingUpdate', 'partition');
  if (partition !== undefined && partition > 0) {
    if (updated < want - partition)
      return inProgress(`Updated (partitioned): ${updated}/${want - partition}`);
    return current(`Partitioned roll out complete: ${updated} updated`);
  }
  const currentRevision = str(obj, 'status', 'currentRevision');
  const updateRevision = str(obj, 'status', 'updateRevision');
  if (currentRevision !== updateRevision) return inProgress(`Rolling out revision ${updateRevision ?? ''}`);
  if (currentReplicas < want) return inProgress(`Current: ${currentReplicas}/${want}`);
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`);
}

function daemonSetStatus(obj: KubeObject): HealthResult {
  const desired = num(obj, 'status', 'desiredNumberScheduled');
  if (desired === undefined) return inProgress('Waiting for the DaemonSet controller');
  const scheduled = num(obj, 'status', 'currentNumberScheduled') ?? 0;
  const updated = num(obj, 'status', 'updatedNumberScheduled') ?? 0;
  const available = num(obj, 'status', 'numberAvailable') ?? 0;
  const ready = num(obj, 'status', 'numberReady') ?? 0;
  if (scheduled < desired) return inProgress(`Scheduled: ${scheduled}/${desired}`);
  if (updated < desired) return inProgress(`Updated: ${updated}/${desired}`);
  if (available < desired) return inProgress(`Available: ${available}/${desired}`);
  if (ready < desired) return inProgress(`Ready: ${ready}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}

function replicaSetStatus(obj: KubeObject): HealthResult {
  const want = num(obj, 'spec', 'replicas') ?? 1;
  const failure = condition(obj, 'ReplicaFailure');
  if (failure?.status === 'True') return inProgress(`Replica failure: ${failure.message}`);
  const labelled = num(obj, 'status', 'fullyLabeledReplicas') ?? 0;
  const ready = num(obj, 'status', 'readyReplicas') ?? 0;
  const available = num(obj, 'status', 'availableReplicas') ?? 0;
  if (labelled < want) return inProgress(`Labelled: ${labelled}/${want}`);
  if (available < want) return inProgress(`Available: ${available}/${want}`);
  if (ready < want) return inProgress(`Ready: ${ready}/${want}`);
  return current(`ReplicaSet is available. Replicas: ${want}`);
}

function jobStatus(obj: KubeObject): HealthResult {
  const failedCondition = condition(obj, 'Failed');
  if (failedCondition?.status === 'True')
    return failed(`Job failed: ${failedCondition.message || failedCondition.reason}`);
  if (condition(obj, 'Complete')?.status === 'True') return current('Job completed');
  const active = num(obj, 'status', 'active') ?? 0;
  const succeeded = num(obj, 'status', 'succeeded') ?? 0;
  return inProgress(`Job in progress: active ${active}, succeeded ${succeeded}`);
}

function podStatus(obj: KubeObject): HealthResult {
  const phase = str(obj, 'status', 'phase');
  if (phase === 'Succeeded') return current('Pod has completed successfully');
  if (phase === 'Failed') return failed(`Pod has failed: ${str(obj, 'status', 'message') ?? ''}`.trim());
  const scheduled = condition(obj, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return inProgress(`Pod is unschedulable: ${scheduled.message}`);
  }
  const statuses = field(obj, 'status', 'containerStatuses');
  if (Array.isArray(statuses)) {
    for (const cs of statuses) {
      const reason = str(cs, 'state', 'waiting', 'reason');
      if (reason && reason !== 'ContainerCreating' && reason !== 'PodInitializing') {
        return inProgress(`Container ${str(cs, 'name') ?? ''} is waiting: ${reason}`);
      }
    }
  }
  if (phase === 'Running' && condition(obj, 'Ready')?.status === 'True') return current('Pod is Ready');
  return inProgress(`Pod phase ${phase ?? 'unknown'}, not Ready`);
}

function serviceStatus(obj: KubeObject): HealthResult {
  if (str(obj, 'spec', 'type') !== 'LoadBalancer') return current('Service is ready');
  const ingress = field(obj, 'status', 'loadBalancer', 'ingress');
  if (Array.isArray(ingress) && ingress.length > 0) return current('Service has a load balancer address');
  return inProgress('Waiting for a load balancer address');
}

function pvcStatus(obj: KubeObject): HealthResult {
  const phase = str(obj, 'status', 'phase');
  if (phase === 'Bound') return current('PVC is Bound');
  if (phase === 'Lost') return failed('PVC lost its volume');
  return inProgress(`PVC is ${phase ?? 'Pending'}`);
}

function crdStatus(obj: KubeObject): HealthResult {
  const names = condition(obj, 'NamesAccepted');
  if (names?.status === 'False') return failed(`CRD names not accepted: ${names.message}`);
  if (condition(obj, 'Established')?.status === 'True') return current('CRD is established');
  return inProgress('CRD is not established yet');
}

function namespaceStatus(obj: KubeObject): HealthResult {
  const phase = str(obj, 'status', 'phase');
  if (phase === 'Terminating')
    return { status: HealthStatus.Terminating, message: 'Namespace is terminating' };
  if (phase === 'Active') return current('Namespace is active');
  return inProgress(`Namespace is ${phase ?? 'not active yet'}`);
}

/** Generic rules: Stalled → Failed, Reconciling → InProgress, Ready → Current or InProgress. */
function genericStatus(obj: KubeObject): HealthResult {
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return failed(stalled.message || stalled.reason || 'Stalled');
  const reconciling = condition(obj, 'Reconciling');
  if (reconciling?.status === 'True')
    return inProgress(reconciling.message || reconciling.reason || 'Reconciling');
  const ready = condition(obj, 'Ready');
  if (ready?.status === 'True') return current(ready.message || 'Ready');
  if (ready?.status === 'False') {
    return inProgress(`Ready is False: ${ready.reason}${ready.message ? `: ${ready.message}` : ''}`);
  }
  if (ready) return inProgress(`Ready is ${ready.status || 'Unknown'}: ${ready.message}`);
  return current('Resource is current');
}

const builtin: Record<string, Rule> = {
  'apps/Deployment': deploymentStatus,
  'apps/StatefulSet': statefulSetStatus,
  'apps/DaemonSet': daemonSetStatus,
  'apps/ReplicaSet': replicaSetStatus,
  'batch/Job': jobStatus,
  '/Pod': podStatus,
  '/Service': serviceStatus,
  '/PersistentVolumeClaim': pvcStatus,
  '/Namespace': namespaceStatus,
  'apiextensions.k8s.io/CustomResourceDefinition': crdStatus,
};

/** The kstatus status of one object; pass `undefined` for an object that does not exist. */
export function computeStatus(obj: KubeObject | undefined): HealthResult {
  if (!obj) return { status: HealthStatus.NotFound, message: 'Resource not found' };
  if (obj.metadata.deletionTimestamp) {
    return { status: HealthStatus.Terminating, message: 'Resource is being deleted' };
  }
  const generation = obj.metadata.generation;
  const observed = num(obj, 'status', 'observedGeneration');
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return inProgress(
      `Waiting for the controller to observe generation ${generation} (observed ${observed})`,
    );
  }
  const rule = builtin[`${parseApiVersion(obj.apiVersion).group}/${obj.kind}`];
  if (rule) {
    // A built-in workload without status has not been seen by its controller yet.
    if (!isRecord(obj.status) && obj.kind !== 'Service' && obj.kind !== 'Namespace') {
      return inProgress('Waiting for the controller to report status');
    }
    return rule(obj);
  }
  return genericStatus(obj);
}
