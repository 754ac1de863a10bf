import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../client/types.ts';
import { computeStatus } from './status.ts';

const obj = (
  apiVersion: string,
  kind: string,
  rest: Record<string, unknown>,
  generation = 1,
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns', generation },
  ...rest,
});
const deployment = (status: Record<string, unknown>, replicas = 2) =>
  obj('apps/v1', 'Deployment', { spec: { replicas }, status: { observedGeneration: 1, ...status } });
const statusOf = (o: KubeObject | undefined) => computeStatus(o).status;

describe('computeStatus: Deployment', () => {
  it('is InProgress until the controller observes the generation', () => {
    const d = obj(
      'apps/v1',
      'Deployment',
      {
        spec: { replicas: 1 },
        status: {
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      },
      2,
    );
    assert.deepEqual(computeStatus(d), {
      status: 'InProgress',
      message: 'Waiting for the controller to observe generation 2 (observed 1)',
    });
  });
  it('follows updated, available and ready replicas', () => {
    assert.equal(computeStatus(deployment({ replicas: 2, updatedReplicas: 1 })).message, 'Updated: 1/2');
    assert.equal(
      computeStatus(deployment({ replicas: 3, updatedReplicas: 2 })).message,
      'Pending termination: 1',
    );
    assert.equal(
      computeStatus(deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).message,
      'Available: 1/2',
    );
    const available = [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }];
    const done = deployment({
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      readyReplicas: 2,
      conditions: available,
    });
    assert.equal(statusOf(done), 'Current');
  });
  it('waits for the Deployment controller at 0 replicas too (kstatus)', () => {
    const created = obj('apps/v1', 'Deployment', {
      spec: { replicas: 0, progressDeadlineSeconds: 600 },
      status: {},
    });
    assert.equal(computeStatus(created).message, 'ReplicaSet not Available');
    const rs = (reason: string) => ({ type: 'Progressing', status: 'True', reason });
    const available = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' };
    const observed = (...conditions: unknown[]) =>
      obj('apps/v1', 'Deployment', {
        spec: { replicas: 0, progressDeadlineSeconds: 600 },
        status: { observedGeneration: 1, conditions },
      });
    assert.equal(statusOf(observed(available, rs('NewReplicaSetCreated'))), 'InProgress');
    assert.equal(
      computeStatus(observed(rs('NewReplicaSetAvailable'))).message,
      'Deployment is not Available',
    );
    assert.equal(statusOf(observed(available, rs('NewReplicaSetAvailable'))), 'Current');
  });
  it('is Failed when the progress deadline passed', () => {
    const d = deployment({
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
      ],
    });
    assert.equal(statusOf(d), 'Failed');
  });
  it('is InProgress without any status yet, Terminating when deleted', () => {
    assert.equal(statusOf(obj('apps/v1', 'Deployment', { spec: {} })), 'InProgress');
    const deleting = deployment({});
    deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    assert.equal(statusOf(deleting), 'Terminating');
    assert.equal(statusOf(undefined), 'NotFound');
  });
});

describe('computeStatus: other built-in kinds', () => {
  it('StatefulSet waits for ready replicas and the update revision', () => {
    const base = {
      spec: { replicas: 2 },
      status: {
        observedGeneration: 1,
        replicas: 2,
        readyReplicas: 2,
        currentReplicas: 2,
        updatedReplicas: 2,
        currentRevision: 'a',
        updateRevision: 'a',
      },
    };
    assert.equal(statusOf(obj('apps/v1', 'StatefulSet', base)), 'Current');
    const rolling = structuredClone(base);
    rolling.status.updateRevision = 'b';
    assert.equal(statusOf(obj('apps/v1', 'StatefulSet', rolling)), 'InProgress');
    const notReady = structuredClone(base);
    notReady.status.readyReplicas = 1;
    assert.equal(computeStatus(obj('apps/v1', 'StatefulSet', notReady)).message, 'Ready: 1/2');
  });
  it('DaemonSet compares scheduled, updated, available and ready to desired', () => {
    const status = {
      observedGeneration: 1,
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
      numberReady: 2,
    };
    assert.equal(statusOf(obj('apps/v1', 'DaemonSet', { status })), 'Current');
    assert.equal(
      statusOf(obj('apps/v1', 'DaemonSet', { status: { ...status, numberAvailable: 1 } })),
      'InProgress',
    );
  });
  it('ReplicaSet', () => {
    const status = { observedGeneration: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
    assert.equal(statusOf(obj('apps/v1', 'ReplicaSet', { spec: { replicas: 1 }, status })), 'Current');
    assert.equal(statusOf(obj('apps/v1', 'ReplicaSet', { spec: { replicas: 2 }, status })), 'InProgress');
  });
  it('Job: Complete is Current, Failed is Failed, else InProgress', () => {
    const job = (conditions: unknown[]) => obj('batch/v1', 'Job', { status: { conditions, active: 1 } });
    assert.equal(statusOf(job([{ type: 'Complete', status: 'True' }])), 'Current');
    assert.equal(
      statusOf(job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }])),
      'Failed',
    );
    assert.equal(statusOf(job([])), 'InProgress');
  });
  it('Pod: Ready, phases, unschedulable', () => {
    const pod = (status: Record<string, unknown>) => obj('v1', 'Pod', { status });
    assert.equal(
      statusOf(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })),
      'Current',
    );
    assert.equal(
      statusOf(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] })),
      'InProgress',
    );
    assert.equal(statusOf(pod({ phase: 'Succeeded' })), 'Current');
    assert.equal(statusOf(pod({ phase: 'Failed' })), 'Failed');
    const unschedulable = pod({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes' }],
    });
    assert.deepEqual(computeStatus(unschedulable), {
      status: 'InProgress',
      message: 'Pod is unschedulable: 0/2 nodes',
    });
  });
  it('Service: LoadBalancer waits for an ingress address', () => {
    assert.equal(statusOf(obj('v1', 'Service', { spec: { type: 'ClusterIP' } })), 'Current');
    assert.equal(
      statusOf(obj('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} } })),
      'InProgress',
    );
    assert.equal(
      statusOf(
        obj('v1', 'Service', {
          spec: { type: 'LoadBalancer' },
          status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
        }),
      ),
      'Current',
    );
  });
  it('PVC, CRD and Namespace', () => {
    assert.equal(
      statusOf(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } })),
      'InProgress',
    );
    assert.equal(statusOf(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } })), 'Current');
    const crd = (conditions: unknown[]) =>
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions } });
    assert.equal(statusOf(crd([{ type: 'Established', status: 'True' }])), 'Current');
    assert.equal(statusOf(crd([{ type: 'NamesAccepted', status: 'False' }])), 'Failed');
    assert.equal(statusOf(crd([])), 'InProgress');
    assert.equal(statusOf(obj('v1', 'Namespace', { status: { phase: 'Active' } })), 'Current');
    assert.equal(statusOf(obj('v1', 'Namespace', { status: { phase: 'Terminating' } })), 'Terminating');
  });
});

describe('computeStatus: custom resources', () => {
  const cr = (status: Record<string, unknown>, generation = 3) =>
    obj('source.weft.dev/v1', 'GitRepository', { status }, generation);
  it('reads Ready, Reconciling and Stalled', () => {
    assert.equal(
      statusOf(cr({ observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] })),
      'Current',
    );
    assert.equal(
      statusOf(
        cr({ observedGeneration: 3, conditions: [{ type: 'Ready', status: 'False', reason: 'Failed' }] }),
      ),
      'InProgress',
    );
    assert.equal(
      statusOf(
        cr({ observedGeneration: 3, conditions: [{ type: 'Stalled', status: 'True', message: 'bad url' }] }),
      ),
      'Failed',
    );
    assert.equal(
      statusOf(
        cr({
          observedGeneration: 3,
          conditions: [
            { type: 'Reconciling', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
        }),
      ),
      'InProgress',
    );
  });
  it('is InProgress while the generation is not observed, Current without any conditions', () => {
    assert.equal(
      statusOf(cr({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] })),
      'InProgress',
    );
    assert.equal(statusOf(obj('example.com/v1', 'Widget', { spec: {} })), 'Current');
  });
});
