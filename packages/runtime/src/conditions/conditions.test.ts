import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Condition, ConditionType, Reason } from '@weft/api';
import * as conditions from '@weft/runtime/conditions';

function object(generation = 1): conditions.Conditioned {
  return { metadata: { generation }, status: {} };
}

function clock(start: string): { now: () => Date; set: (iso: string) => void } {
  let current = new Date(start);
  return {
    now: () => current,
    set: (iso) => {
      current = new Date(iso);
    },
  };
}

describe('conditions helpers', () => {
  it('sets, reads and removes a condition', () => {
    const obj = object(3);
    const time = clock('2026-01-02T03:04:05.678Z');
    conditions.markTrue(obj, 'ArtifactInStorage', 'Succeeded', 'stored', time.now);
    const condition = conditions.getCondition(obj, 'ArtifactInStorage');
    assert.deepEqual(condition, {
      type: 'ArtifactInStorage',
      status: 'True',
      reason: 'Succeeded',
      message: 'stored',
      lastTransitionTime: '2026-01-02T03:04:05Z',
      observedGeneration: 3,
    } satisfies Condition);
    assert.equal(conditions.isTrue(obj, 'ArtifactInStorage'), true);
    assert.equal(conditions.isFalse(obj, 'ArtifactInStorage'), false);
    assert.equal(conditions.isUnknown(obj, 'Missing'), true);
    assert.equal(conditions.removeCondition(obj, 'ArtifactInStorage'), true);
    assert.equal(conditions.has(obj, 'ArtifactInStorage'), false);
    assert.equal(conditions.removeCondition(obj, 'ArtifactInStorage'), false);
  });

  it('changes lastTransitionTime only when the status changes', () => {
    const obj = object();
    const time = clock('2026-01-01T00:00:00Z');
    conditions.markFalse(obj, 'Healthy', 'HealthCheckFailed', 'first', time.now);
    time.set('2026-01-01T00:05:00Z');
    const changed = conditions.markFalse(obj, 'Healthy', 'HealthCheckFailed', 'second', time.now);
    assert.equal(changed, true, 'a new message is a change');
    assert.equal(conditions.getCondition(obj, 'Healthy')?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(conditions.getMessage(obj, 'Healthy'), 'second');
    assert.equal(conditions.markFalse(obj, 'Healthy', 'HealthCheckFailed', 'second', time.now), false);

    time.set('2026-01-01T00:10:00Z');
    conditions.markTrue(obj, 'Healthy', 'Succeeded', 'ok', time.now);
    assert.equal(conditions.getCondition(obj, 'Healthy')?.lastTransitionTime, '2026-01-01T00:10:00Z');
  });

  it('stamps the generation it was computed for', () => {
    const obj = object(1);
    conditions.markTrue(obj, 'Healthy', 'Succeeded');
    assert.equal(conditions.isCurrent(obj, 'Healthy'), true);
    obj.metadata.generation = 2;
    assert.equal(conditions.isCurrent(obj, 'Healthy'), false);
    conditions.markTrue(obj, 'Healthy', 'Succeeded');
    assert.equal(conditions.getCondition(obj, 'Healthy')?.observedGeneration, 2);
  });
});

describe('conditions summary (Ready)', () => {
  const owned = [ConditionType.FetchFailed, ConditionType.ArtifactInStorage, ConditionType.Healthy];

  it('Stalled=True makes Ready False with the Stalled reason, before anything else', () => {
    const obj = object();
    conditions.markTrue(obj, ConditionType.FetchFailed, 'GitOperationFailed', 'clone failed');
    conditions.markTrue(obj, ConditionType.Stalled, Reason.InvalidSpec, 'bad url');
    const ready = conditions.setSummary(obj, { conditions: owned });
    assert.deepEqual(ready, { status: 'False', reason: Reason.InvalidSpec, message: 'bad url' });
    assert.equal(conditions.isFalse(obj, ConditionType.Ready), true);
  });

  it('a negative-polarity condition that is True makes Ready False', () => {
    const obj = object();
    conditions.markTrue(obj, ConditionType.ArtifactInStorage, 'Succeeded', 'stored');
    conditions.markTrue(obj, ConditionType.FetchFailed, Reason.AuthenticationFailed, 'bad credentials');
    conditions.markTrue(obj, ConditionType.Reconciling, Reason.ProgressingWithRetry, 'retrying');
    const ready = conditions.setSummary(obj, { conditions: owned });
    assert.deepEqual(ready, {
      status: 'False',
      reason: Reason.AuthenticationFailed,
      message: 'bad credentials',
    });
  });

  it('a positive condition that is False makes Ready False, in the listed order', () => {
    const obj = object();
    conditions.markFalse(obj, ConditionType.Healthy, Reason.HealthCheckFailed, 'deployment not ready');
    conditions.markFalse(obj, ConditionType.ArtifactInStorage, Reason.ArtifactFailed, 'no artifact');
    const ready = conditions.computeSummary(obj, { conditions: owned });
    assert.equal(ready.reason, Reason.ArtifactFailed, 'ArtifactInStorage is listed before Healthy');
  });

  it('custom negative-polarity conditions are honoured', () => {
    const obj = object();
    conditions.markTrue(obj, 'DriftDetected', 'Drift', 'drift found');
    assert.equal(conditions.computeSummary(obj, { conditions: ['DriftDetected'] }).status, 'True');
    const ready = conditions.computeSummary(obj, {
      conditions: ['DriftDetected'],
      negativePolarity: ['DriftDetected'],
    });
    assert.deepEqual(ready, { status: 'False', reason: 'Drift', message: 'drift found' });
  });

  it('a reconcile error with no condition explaining it makes Ready False', () => {
    const obj = object();
    conditions.markTrue(obj, ConditionType.Reconciling, Reason.Progressing, 'reconciling');
    const ready = conditions.computeSummary(obj, { conditions: owned, error: new Error('apply failed') });
    assert.deepEqual(ready, {
      status: 'False',
      reason: Reason.ReconciliationFailed,
      message: 'apply failed',
    });
  });

  it('a notReady statement makes Ready False with its reason, after Stalled and before conditions', () => {
    const obj = object();
    conditions.markFalse(obj, ConditionType.Healthy, Reason.HealthCheckFailed, 'old');
    const notReady = { reason: Reason.BuildFailed, message: 'build failed' };
    assert.deepEqual(conditions.computeSummary(obj, { conditions: owned, notReady }), {
      status: 'False',
      ...notReady,
    });
    conditions.markTrue(obj, ConditionType.Stalled, Reason.InvalidSpec, 'bad');
    assert.equal(conditions.computeSummary(obj, { conditions: owned, notReady }).reason, Reason.InvalidSpec);
  });

  it('a ready statement gives Ready True its reason over positive conditions', () => {
    const obj = object();
    conditions.markTrue(obj, ConditionType.Healthy, Reason.Succeeded, 'healthy');
    const ready = { reason: Reason.ReconciliationSucceeded, message: 'Applied revision: r1' };
    assert.deepEqual(conditions.computeSummary(obj, { conditions: owned, ready }), {
      status: 'True',
      ...ready,
    });
    conditions.markTrue(obj, ConditionType.Reconciling, Reason.Progressing, 'working');
    assert.equal(conditions.computeSummary(obj, { conditions: owned, ready }).status, 'Unknown');
  });

  it('Reconciling=True without problems makes Ready Unknown with its reason', () => {
    const obj = object();
    conditions.markTrue(obj, ConditionType.ArtifactInStorage, 'Succeeded', 'stored');
    conditions.markTrue(obj, ConditionType.Reconciling, Reason.Progressing, 'building');
    assert.deepEqual(conditions.computeSummary(obj, { conditions: owned }), {
      status: 'Unknown',
      reason: Reason.Progressing,
      message: 'building',
    });
  });

  it('an Unknown positive condition makes Ready Unknown', () => {
    const obj = object();
    conditions.markUnknown(obj, ConditionType.Healthy, Reason.Progressing, 'waiting for rollout');
    assert.equal(conditions.computeSummary(obj, { conditions: owned }).status, 'Unknown');
  });

  it('all good makes Ready True with the first positive reason, and ignores unlisted conditions', () => {
    const obj = object();
    conditions.markFalse(obj, 'Unlisted', 'Whatever');
    conditions.markFalse(obj, ConditionType.FetchFailed, Reason.Succeeded);
    conditions.markTrue(obj, ConditionType.ArtifactInStorage, Reason.NewRevision, 'stored main@sha1:abc');
    conditions.markTrue(obj, ConditionType.Healthy, Reason.Succeeded, 'healthy');
    assert.deepEqual(conditions.setSummary(obj, { conditions: owned }), {
      status: 'True',
      reason: Reason.NewRevision,
      message: 'stored main@sha1:abc',
    });
    const empty = object();
    assert.deepEqual(conditions.computeSummary(empty, { successMessage: 'Applied revision: x' }), {
      status: 'True',
      reason: Reason.Succeeded,
      message: 'Applied revision: x',
    });
  });
});
