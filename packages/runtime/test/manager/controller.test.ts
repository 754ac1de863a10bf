/**
 * The Controller wrapper end to end: a Manager with a real Client and Informer runs a toy
 * GitRepository reconciler against a real API server with the weft CRDs. Finalizer,
 * observedGeneration, requestedAt, suspend, no status-update loops, deletion, a hundred updates
 * during one reconcile, errors with backoff, and the probes server.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Annotation, Finalizer } from '@weft/api';
import { Client, type KubeObject, NotFoundError } from '@weft/runtime/client';
import { Informer } from '@weft/runtime/informer';
import { createLogger } from '@weft/runtime/log';
import { Manager, parseFlags } from '@weft/runtime/manager';
import type { InformerLike } from '@weft/runtime/reconcile';
import {
  CountingReconciler,
  eventually,
  type GitRepositoryObject,
  GitRepositoryRef,
  gate,
  gitRepository,
  httpGet,
  managerTestCluster,
  readyCondition,
  sample,
  sleep,
} from './helpers.ts';

const { kubeConfig, ns, client } = await managerTestCluster('rt-controller', 'gitrepository-controller');
const user = new Client(kubeConfig, { fieldManager: 'test-user' });

/** Delays the informer's start until the test opens the gate, to watch /readyz change. */
class GatedInformer implements InformerLike<KubeObject> {
  readonly inner: Informer<KubeObject>;
  readonly gate = gate();
  constructor(inner: Informer<KubeObject>) {
    this.inner = inner;
  }
  onAdd(handler: (obj: KubeObject) => void) {
    return this.inner.onAdd(handler);
  }
  onUpdate(handler: (o: KubeObject, n: KubeObject) => void) {
    return this.inner.onUpdate(handler);
  }
  onDelete(handler: (obj: KubeObject) => void) {
    return this.inner.onDelete(handler);
  }
  get hasSynced() {
    return this.inner.hasSynced;
  }
  get(key: string) {
    return this.inner.get(key);
  }
  async start(signal?: AbortSignal) {
    await this.gate.promise;
    return this.inner.start(signal);
  }
  stop() {
    return this.inner.stop();
  }
}

const logLines: string[] = [];
const { runtime: flags } = parseFlags(['--metrics-addr=127.0.0.1:0', '--health-addr=127.0.0.1:0'], {
  env: {},
  name: 'source-controller',
});
const manager = new Manager({
  name: 'source-controller',
  flags,
  kubeConfig,
  logger: createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(line) } }),
});
const reconciler = new CountingReconciler();
const informer = new GatedInformer(new Informer(client, { ...GitRepositoryRef, namespace: ns }));
const controller = manager.addController({ reconciler, informer, client });
after(() => manager.stop());

const ref = (name: string) => ({ ...GitRepositoryRef, namespace: ns, name });
const key = (name: string) => `${ns}/${name}`;
const fetchObject = (name: string) => user.get<GitRepositoryObject>(ref(name));
const metrics = async () => (await httpGet(manager.probes.addresses.metrics, '/metrics')).body;

/** Waits until the cache has caught up with `check` and the queue has nothing running or waiting. */
async function settled(name: string, check: (obj: KubeObject) => boolean): Promise<void> {
  await eventually(`${name} settled`, () => {
    const cached = informer.get(key(name));
    if (!cached || !check(cached)) return undefined;
    return controller.queue.depth === 0 && controller.queue.active === 0 ? true : undefined;
  });
}

async function reconciled(name: string): Promise<GitRepositoryObject> {
  return eventually(`${name} reconciled`, async () => {
    const obj = await fetchObject(name);
    const ready = readyCondition(obj);
    return ready?.status === 'True' && obj.status?.observedGeneration === obj.metadata.generation
      ? obj
      : undefined;
  });
}

describe('Controller with a Manager on a real API server', { timeout: 180_000 }, () => {
  it('serves /healthz at once and /readyz only once the informers synced', async () => {
    const started = manager.start();
    const health = await eventually('probes listening', () => manager.probes.addresses.health);
    const notReady = await httpGet(health, '/readyz');
    assert.equal(notReady.status, 500);
    assert.match(notReady.body, /informer\(s\) not synced/);
    assert.equal((await httpGet(health, '/healthz')).status, 200);
    informer.gate.open();
    await started;
    assert.ok(informer.hasSynced);
    const ready = await httpGet(health, '/readyz?verbose');
    assert.equal(ready.status, 200, ready.body);
  });

  it('adds the finalizer, sets conditions and follows metadata.generation', async () => {
    await user.create(gitRepository(ns, 'basic'));
    let obj = await reconciled('basic');
    assert.deepEqual(obj.metadata.finalizers, [Finalizer.Source]);
    assert.equal(obj.status?.observedGeneration, 1);
    const artifact = obj.status?.conditions?.find((c) => c.type === 'ArtifactInStorage');
    assert.equal(artifact?.status, 'True');
    assert.equal(readyCondition(obj)?.reason, 'Succeeded');
    assert.equal(
      obj.status?.conditions?.find((c) => c.type === 'Reconciling'),
      undefined,
      'Reconciling is dropped after success',
    );

    await user.patch(ref('basic'), { spec: { interval: '5m' } });
    obj = await eventually('observedGeneration 2', async () => {
      const current = await fetchObject('basic');
      return current.status?.observedGeneration === 2 ? current : undefined;
    });
    assert.equal(obj.metadata.generation, 2);
    assert.equal(reconciler.seen.filter((s) => s.name === 'basic').at(-1)?.generation, 2);
  });

  it('does not reconcile again for status-only updates (its own or anyone else’s)', async () => {
    await settled('basic', (o) => o.metadata.generation === 2);
    // Every reconcile writes a new status (the message counts reconciles): were status updates
    // passed to the queue, this would loop.
    const before = reconciler.count('basic');
    await user.patchStatus(ref('basic'), { lastHandledReconcileAt: 'set-by-someone-else' });
    await sleep(3_000);
    assert.equal(reconciler.count('basic'), before, 'a status update caused a reconcile');
    const obj = await fetchObject('basic');
    assert.equal(obj.status?.lastHandledReconcileAt, 'set-by-someone-else');
  });

  it('reconciles at once when reconcile.weft.dev/requestedAt changes and echoes it', async () => {
    const before = reconciler.count('basic');
    const requestedAt = new Date().toISOString();
    await user.patch(ref('basic'), {
      metadata: { annotations: { [Annotation.ReconcileRequestedAt]: requestedAt } },
    });
    const obj = await eventually('lastHandledReconcileAt', async () => {
      const current = await fetchObject('basic');
      return current.status?.lastHandledReconcileAt === requestedAt ? current : undefined;
    });
    assert.ok(reconciler.count('basic') > before);
    assert.equal(obj.status?.observedGeneration, 2, 'an annotation does not change the generation');
  });

  it('requeues after requeueAfter without any change', async () => {
    reconciler.behaviour.set('periodic', { requeueAfter: 300 });
    await user.create(gitRepository(ns, 'periodic'));
    await eventually('three reconciles of periodic', () =>
      reconciler.count('periodic') >= 3 ? true : undefined,
    );
    reconciler.behaviour.set('periodic', { requeueAfter: 600_000 });
  });

  it('stops reconciling a suspended object, and resumes when it is resumed', async () => {
    await user.create(gitRepository(ns, 'paused'));
    await reconciled('paused');
    const before = reconciler.count('paused');
    await user.patch(ref('paused'), { spec: { suspend: true } });
    await settled('paused', (o) => (o.spec as { suspend?: boolean }).suspend === true);
    const requestedAt = `suspended-${Date.now()}`;
    await user.patch(ref('paused'), {
      metadata: { annotations: { [Annotation.ReconcileRequestedAt]: requestedAt } },
    });
    await settled('paused', (o) => o.metadata.annotations?.[Annotation.ReconcileRequestedAt] === requestedAt);
    assert.equal(reconciler.count('paused'), before, 'a suspended object was reconciled');
    let obj = await fetchObject('paused');
    assert.notEqual(obj.status?.lastHandledReconcileAt, requestedAt);
    assert.equal(obj.status?.observedGeneration, 1, 'nothing is written while suspended');

    await user.patch(ref('paused'), { spec: { suspend: false } });
    obj = await eventually('resumed', async () => {
      const current = await fetchObject('paused');
      return current.status?.lastHandledReconcileAt === requestedAt ? current : undefined;
    });
    assert.ok(reconciler.count('paused') > before);
    assert.equal(obj.status?.observedGeneration, obj.metadata.generation);
  });

  it('absorbs a hundred updates made during one reconcile into a bounded number of reconciles', async () => {
    const hold = gate();
    const started = gate();
    reconciler.behaviour.set('hot', { gate: hold.promise, onStart: started.open });
    await user.create(gitRepository(ns, 'hot'));
    await started.promise;
    for (let i = 1; i <= 100; i++) {
      await user.patch(ref('hot'), { metadata: { labels: { update: String(i) } } });
    }
    await eventually('the cache saw the last update', () =>
      informer.get(key('hot'))?.metadata.labels?.update === '100' ? true : undefined,
    );
    assert.equal(reconciler.count('hot'), 1, 'a second reconcile ran while the first was in flight');
    hold.open();
    await settled('hot', () => true);
    await reconciled('hot');
    await sleep(1_000);
    const count = reconciler.count('hot');
    assert.ok(count >= 2, 'the updates made during the reconcile were never reconciled');
    assert.ok(count <= 5, `a hundred updates caused ${count} reconciles`);
    assert.equal(reconciler.seen.filter((s) => s.name === 'hot').at(-1)?.labels.update, '100');
  });

  it('marks a failing object Ready=False with the error and retries it with backoff', async () => {
    const message = 'cannot clone https://example.com/repo.git: authentication required';
    reconciler.behaviour.set('broken', { fail: message });
    await user.create(gitRepository(ns, 'broken'));
    const obj = await eventually('Ready=False', async () => {
      const current = await fetchObject('broken');
      return readyCondition(current)?.status === 'False' ? current : undefined;
    });
    const ready = readyCondition(obj);
    assert.equal(ready?.reason, 'ReconciliationFailed');
    assert.match(ready?.message ?? '', /authentication required/);
    const reconciling = obj.status?.conditions?.find((c) => c.type === 'Reconciling');
    assert.equal(reconciling?.status, 'True');
    assert.equal(reconciling?.reason, 'ProgressingWithRetry');

    await eventually('three attempts', () => (reconciler.count('broken') >= 3 ? true : undefined));
    assert.ok(controller.queue.failures(key('broken')) >= 2, 'failures are not counted for backoff');
    const text = await metrics();
    assert.ok((sample(text, 'weft_workqueue_retries_total', { name: 'gitrepository' }) ?? 0) >= 2, text);
    assert.equal(
      sample(text, 'weft_reconcile_condition', {
        kind: 'GitRepository',
        name: 'broken',
        namespace: ns,
        type: 'Ready',
        status: 'False',
      }),
      1,
    );
    assert.ok((sample(text, 'weft_reconcile_total', { kind: 'GitRepository', result: 'error' }) ?? 0) >= 3);

    // A Warning Event, one series for the repeats.
    const events = await eventually('a ReconciliationFailed event', async () => {
      const list = await user.list<
        KubeObject & { reason: string; type: string; regarding: { name: string }; series?: { count: number } }
      >({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
      const found = list.items.filter(
        (e) => e.regarding.name === 'broken' && e.reason === 'ReconciliationFailed',
      );
      return found.length > 0 && (found[0]?.series?.count ?? 0) >= 2 ? found : undefined;
    });
    assert.equal(events.length, 1, 'repeated failures must extend one Event');
    assert.equal(events[0]?.type, 'Warning');

    // Fixed: the next attempt (asked for at once) succeeds and the backoff resets.
    reconciler.behaviour.delete('broken');
    await user.patch(ref('broken'), {
      metadata: { annotations: { [Annotation.ReconcileRequestedAt]: 'fixed' } },
    });
    const fixed = await reconciled('broken');
    assert.equal(
      fixed.status?.conditions?.find((c) => c.type === 'Reconciling'),
      undefined,
    );
    assert.equal(controller.queue.failures(key('broken')), 0);
  });

  it('exposes the reconcile histogram and condition gauges on /metrics', async () => {
    const text = await metrics();
    assert.match(text, /# TYPE weft_reconcile_duration_seconds histogram/);
    assert.ok(
      (sample(text, 'weft_reconcile_duration_seconds_count', { kind: 'GitRepository' }) ?? 0) >= 5,
      text,
    );
    assert.ok(
      sample(text, 'weft_reconcile_duration_seconds_bucket', { kind: 'GitRepository', le: '+Inf' }) !==
        undefined,
    );
    assert.equal(
      sample(text, 'weft_reconcile_condition', {
        kind: 'GitRepository',
        name: 'basic',
        namespace: ns,
        type: 'Ready',
        status: 'True',
      }),
      1,
    );
    assert.equal(
      sample(text, 'weft_reconcile_condition', {
        kind: 'GitRepository',
        name: 'basic',
        namespace: ns,
        type: 'Ready',
        status: 'False',
      }),
      0,
    );
    assert.ok(sample(text, 'weft_workqueue_depth', { name: 'gitrepository' }) !== undefined);
  });

  it('finalizes a deleted object, removes the finalizer and lets it go', async () => {
    const obj = await fetchObject('basic');
    assert.deepEqual(obj.metadata.finalizers, [Finalizer.Source]);
    await user.delete(ref('basic'));
    await eventually('basic gone', async () => {
      try {
        await fetchObject('basic');
        return undefined;
      } catch (error) {
        if (error instanceof NotFoundError) return true;
        throw error;
      }
    });
    assert.deepEqual(reconciler.finalized, ['basic']);
    await eventually('metrics forgotten', async () =>
      sample(await metrics(), 'weft_reconcile_condition', {
        name: 'basic',
        namespace: ns,
        status: 'True',
      }) === undefined
        ? true
        : undefined,
    );
  });
});
