import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Annotation, ConditionType, Reason } from '@weft/api';
import * as conditions from '@weft/runtime/conditions';
import { RetryAfterError } from '@weft/runtime/queue';
import { ReconcileError, StalledError } from '@weft/runtime/reconcile';
import { keyOf, ready, repo, setup } from './controller.fixture.ts';

describe('Controller', () => {
  it('adds the finalizer, reconciles, summarises Ready, writes status and requeues at the interval', async () => {
    const { informer, client, controller } = setup(async (obj, ctx) => {
      obj.status = { ...obj.status, artifact: 'main@sha1:abc' };
      ctx.log.info('fetched');
      conditions.markTrue(
        obj,
        ConditionType.ArtifactInStorage,
        Reason.Succeeded,
        'stored main@sha1:abc',
        ctx.now,
      );
    });
    const obj = repo();
    obj.metadata.annotations = { [Annotation.ReconcileRequestedAt]: 'now-1' };
    informer.store.set(keyOf(obj), obj);
    const result = await controller.reconcileKey(keyOf(obj));
    assert.deepEqual(result, { requeueAfter: 90_000 });
    assert.deepEqual(client.patches[0]?.patch, {
      metadata: { finalizers: ['finalizers.weft.dev'], resourceVersion: '1' },
    });
    const stored = informer.get(keyOf(obj));
    assert.equal(stored?.status?.observedGeneration, 1);
    assert.equal(stored?.status?.lastHandledReconcileAt, 'now-1');
    assert.equal(stored?.status?.artifact, 'main@sha1:abc');
    assert.deepEqual(
      { status: ready(stored)?.status, reason: ready(stored)?.reason },
      { status: 'True', reason: Reason.Succeeded },
    );
    assert.equal(
      ready(stored)?.message,
      'stored main@sha1:abc',
      'Ready takes the message of the first positive condition',
    );
    assert.equal(
      stored?.status?.conditions?.some((c) => c.type === ConditionType.Reconciling),
      false,
    );
    assert.equal(obj.status, undefined, 'the cached object is not mutated');

    await controller.reconcileKey(keyOf(obj));
    assert.equal(client.statusPatches.length, 1, 'an unchanged status is not written again');
  });

  it('on error: Ready False, Reconciling with retry, a Warning event, and a backoff retry', async () => {
    const { informer, events, controller } = setup(async () => {
      throw new Error('clone failed: authentication required');
    });
    informer.store.set('flux-system/podinfo', repo());
    await assert.rejects(controller.reconcileKey('flux-system/podinfo'), /authentication required/);
    const stored = informer.get('flux-system/podinfo');
    assert.deepEqual(
      { status: ready(stored)?.status, reason: ready(stored)?.reason, message: ready(stored)?.message },
      {
        status: 'False',
        reason: Reason.ReconciliationFailed,
        message: 'clone failed: authentication required',
      },
    );
    const reconciling = stored?.status?.conditions?.find((c) => c.type === ConditionType.Reconciling);
    assert.equal(reconciling?.reason, Reason.ProgressingWithRetry);
    assert.deepEqual(
      events.map((e) => [e.type, e.reason]),
      [['Warning', Reason.ReconciliationFailed]],
    );
  });

  it('retries after spec.retryInterval when set', async () => {
    const { informer, controller } = setup(async () => {
      throw new Error('boom');
    });
    informer.store.set('flux-system/podinfo', repo({ retryInterval: '30s' }));
    const error = await controller.reconcileKey('flux-system/podinfo').catch((e: unknown) => e);
    assert.ok(error instanceof RetryAfterError);
    assert.equal(error.retryAfterMs, 30_000);
  });

  it('a StalledError sets Stalled and Ready False with its reason, and does not retry', async () => {
    const { informer, controller } = setup(async () => {
      throw new StalledError(Reason.InvalidURL, 'url must be http(s) or ssh');
    });
    informer.store.set('flux-system/podinfo', repo());
    assert.equal(await controller.reconcileKey('flux-system/podinfo'), undefined);
    const stored = informer.get('flux-system/podinfo');
    assert.equal(ready(stored)?.reason, Reason.InvalidURL);
    assert.equal(stored?.status?.conditions?.find((c) => c.type === ConditionType.Stalled)?.status, 'True');
  });

  it('stalls an object that sets a field the reconciler does not implement, naming it, without reconciling', async () => {
    const fields = { implemented: ['spec.url', 'spec.interval'], notImplemented: ['spec.recurseSubmodules'] };
    const { informer, events, controller, calls } = setup(async () => {}, { fields });
    const obj = repo();
    (obj.spec as Record<string, unknown>).recurseSubmodules = true;
    informer.store.set('flux-system/podinfo', obj);
    assert.equal(await controller.reconcileKey('flux-system/podinfo'), undefined);
    const stored = informer.get('flux-system/podinfo');
    const stalled = stored?.status?.conditions?.find((c) => c.type === ConditionType.Stalled);
    assert.equal(stalled?.reason, 'UnsupportedField');
    assert.equal(stalled?.message, 'spec.recurseSubmodules is not supported yet: remove it from the spec');
    assert.equal(ready(stored)?.status, 'False');
    assert.equal(calls.reconcile, 0);
    assert.equal(events[0]?.reason, 'UnsupportedField');
    informer.store.set('flux-system/podinfo', repo({}, 2));
    await controller.reconcileKey('flux-system/podinfo');
    assert.equal(calls.reconcile, 1, 'reconciled once the field is gone');
  });

  it('a ReconcileError gives its reason to Ready and to the Warning event, and is retried', async () => {
    const { informer, events, controller } = setup(async () => {
      throw new ReconcileError('BuildFailed', 'kustomize build failed: ./app.yaml: bad indent');
    });
    informer.store.set('flux-system/podinfo', repo({ retryInterval: '20s' }));
    const error = await controller.reconcileKey('flux-system/podinfo').catch((e: unknown) => e);
    assert.ok(error instanceof RetryAfterError);
    assert.equal(error.retryAfterMs, 20_000);
    const stored = informer.get('flux-system/podinfo');
    assert.deepEqual(
      { status: ready(stored)?.status, reason: ready(stored)?.reason, message: ready(stored)?.message },
      { status: 'False', reason: 'BuildFailed', message: 'kustomize build failed: ./app.yaml: bad indent' },
    );
    const reconciling = stored?.status?.conditions?.find((c) => c.type === ConditionType.Reconciling);
    assert.equal(reconciling?.reason, Reason.ProgressingWithRetry);
    assert.deepEqual(
      events.map((e) => [e.type, e.reason]),
      [['Warning', 'BuildFailed']],
    );
  });

  it('a ReconcileError reason wins over a problem condition left from an earlier reconcile', async () => {
    const { informer, controller } = setup(async (obj, ctx) => {
      conditions.markTrue(obj, ConditionType.FetchFailed, 'GitOperationFailed', 'old failure', ctx.now);
      throw new ReconcileError('BuildFailed', 'new failure');
    });
    informer.store.set('flux-system/podinfo', repo());
    await assert.rejects(controller.reconcileKey('flux-system/podinfo'));
    assert.equal(ready(informer.get('flux-system/podinfo'))?.reason, 'BuildFailed');
  });

  it('a notReady outcome: Ready False with its reason, quiet retry after requeueAfter', async () => {
    let dependencyReady = false;
    const { informer, client, events, controller } = setup(async () =>
      dependencyReady
        ? { ready: { reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc' } }
        : {
            requeueAfter: 5_000,
            notReady: { reason: 'DependencyNotReady', message: "dependency 'a' is not ready" },
          },
    );
    informer.store.set('flux-system/podinfo', repo({ retryInterval: '20s' }));
    assert.deepEqual(await controller.reconcileKey('flux-system/podinfo'), { requeueAfter: 5_000 });
    let stored = informer.get('flux-system/podinfo');
    assert.deepEqual(
      { status: ready(stored)?.status, reason: ready(stored)?.reason, message: ready(stored)?.message },
      { status: 'False', reason: 'DependencyNotReady', message: "dependency 'a' is not ready" },
    );
    const reconciling = stored?.status?.conditions?.find((c) => c.type === ConditionType.Reconciling);
    assert.equal(reconciling?.reason, Reason.ProgressingWithRetry);
    assert.deepEqual(events, [], 'no Warning event for a not-ready outcome');

    // Again not ready: nothing changed, nothing written.
    await controller.reconcileKey('flux-system/podinfo');
    assert.equal(client.statusPatches.length, 1);

    dependencyReady = true;
    assert.deepEqual(await controller.reconcileKey('flux-system/podinfo'), { requeueAfter: 90_000 });
    stored = informer.get('flux-system/podinfo');
    assert.deepEqual(
      { status: ready(stored)?.status, reason: ready(stored)?.reason, message: ready(stored)?.message },
      { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc' },
    );
    assert.equal(
      stored?.status?.conditions?.some((c) => c.type === ConditionType.Reconciling),
      false,
    );
    await controller.reconcileKey('flux-system/podinfo');
    assert.equal(client.statusPatches.length, 2, 'a success with the same Ready is not written again');
  });

  it('a notReady outcome without requeueAfter retries at spec.retryInterval', async () => {
    const { informer, controller } = setup(async () => ({
      notReady: { reason: 'ArtifactFailed', message: 'no artifact yet' },
    }));
    informer.store.set('flux-system/podinfo', repo({ retryInterval: '20s' }));
    assert.deepEqual(await controller.reconcileKey('flux-system/podinfo'), { requeueAfter: 20_000 });
    assert.equal(ready(informer.get('flux-system/podinfo'))?.reason, 'ArtifactFailed');
  });

  it('the success reason given by the reconciler wins over positive conditions, not over problems', async () => {
    let healthy = true;
    const { informer, controller } = setup(
      async (obj, ctx) => {
        if (healthy) conditions.markTrue(obj, ConditionType.Healthy, Reason.Succeeded, 'healthy', ctx.now);
        else conditions.markFalse(obj, ConditionType.Healthy, Reason.HealthCheckFailed, 'sick', ctx.now);
        return { ready: { reason: 'ReconciliationSucceeded', message: 'Applied revision: r1' } };
      },
      { conditions: [ConditionType.Healthy] },
    );
    informer.store.set('flux-system/podinfo', repo());
    await controller.reconcileKey('flux-system/podinfo');
    assert.equal(ready(informer.get('flux-system/podinfo'))?.reason, 'ReconciliationSucceeded');
    healthy = false;
    await controller.reconcileKey('flux-system/podinfo');
    assert.equal(ready(informer.get('flux-system/podinfo'))?.reason, Reason.HealthCheckFailed);
  });

  it('skips suspended objects', async () => {
    const { informer, client, controller, calls } = setup(async () => {});
    informer.store.set('flux-system/podinfo', repo({ suspend: true }));
    assert.equal(await controller.reconcileKey('flux-system/podinfo'), undefined);
    assert.equal(calls.reconcile, 0);
    assert.equal(client.statusPatches.length, 0);
  });

  it('finalizes a deleted object, then removes the finalizer; a suspended one is not finalized', async () => {
    for (const suspend of [false, true]) {
      const { informer, client, controller, calls } = setup(async () => {}, {
        finalize: async () => {
          calls.finalize++;
        },
      });
      const obj = repo({ suspend });
      obj.metadata.finalizers = ['other.example.com', 'finalizers.weft.dev'];
      obj.metadata.deletionTimestamp = '2026-05-01T00:00:00Z';
      informer.store.set(keyOf(obj), obj);
      await controller.reconcileKey(keyOf(obj));
      assert.equal(calls.finalize, suspend ? 0 : 1);
      assert.equal(calls.reconcile, 0);
      assert.deepEqual(client.patches.at(-1)?.patch, {
        metadata: { finalizers: ['other.example.com'], resourceVersion: '1' },
      });
    }
  });

  it('reconciles from informer events, ignoring its own status updates', async () => {
    const { informer, controller, calls } = setup(async () => {});
    controller.watch();
    informer.put(repo());
    await controller.queue.onIdle();
    // The finalizer patch and the status patch both come back as updates; neither triggers.
    await controller.queue.onIdle();
    assert.equal(calls.reconcile, 1);
    const changed = structuredClone(informer.get('flux-system/podinfo'));
    assert.ok(changed);
    changed.metadata.generation = 2;
    changed.metadata.resourceVersion = '100';
    informer.put(changed);
    await controller.queue.onIdle();
    assert.equal(calls.reconcile, 2);
    assert.equal(informer.get('flux-system/podinfo')?.status?.observedGeneration, 2);
    await controller.shutdown(1000);
  });
});
