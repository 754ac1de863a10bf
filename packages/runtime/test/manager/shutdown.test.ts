/**
 * Graceful shutdown of a leading Manager against a real API server: stop() during an in-flight
 * reconcile lets it finish (its status write lands) and then releases the lease; a reconcile
 * that overruns --graceful-shutdown-timeout is abandoned (its signal aborted) and stop()
 * reports it, and the lease is released all the same.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, type KubeObject } from '@weft/runtime/client';
import { Informer } from '@weft/runtime/informer';
import { createLogger } from '@weft/runtime/log';
import { Manager, parseFlags } from '@weft/runtime/manager';
import {
  CountingReconciler,
  eventually,
  GitRepositoryRef,
  gate,
  gitRepository,
  httpGet,
  managerTestCluster,
  readyCondition,
  sleep,
} from './helpers.ts';

const { kubeConfig, ns, client } = await managerTestCluster('rt-shutdown', 'shutdown-test');

interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string };
}
const readLease = (name: string) =>
  client.get<LeaseObject>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: ns, name });

function leadingManager(lease: string, extraFlags: string[] = []) {
  const { runtime: flags } = parseFlags(
    [
      '--enable-leader-election',
      `--leader-election-namespace=${ns}`,
      `--leader-election-id=${lease}`,
      // Long enough that only a release can free the lease during a test.
      '--leader-election-lease-duration=300s',
      '--leader-election-renew-deadline=200s',
      '--leader-election-retry-period=500ms',
      '--metrics-addr=127.0.0.1:0',
      '--health-addr=127.0.0.1:0',
      ...extraFlags,
    ],
    { env: {}, name: 'shutdown-test' },
  );
  const manager = new Manager({
    name: 'shutdown-test',
    flags,
    kubeConfig,
    identity: `${lease}-manager`,
    processMetrics: false,
    logger: createLogger({ level: 'fatal' }),
  });
  const reconciler = new CountingReconciler();
  const managerClient = new Client(kubeConfig, { fieldManager: 'shutdown-test-controller' });
  const informer = new Informer(managerClient, { ...GitRepositoryRef, namespace: ns });
  const controller = manager.addController({ reconciler, informer, client: managerClient });
  return { manager, reconciler, controller };
}

describe('graceful shutdown of a leading Manager', { timeout: 120_000 }, () => {
  it('lets the in-flight reconcile finish and write its status, then releases the lease', async () => {
    const { manager, reconciler, controller } = leadingManager('drain');
    const hold = gate();
    const started = gate();
    reconciler.behaviour.set('slow', { gate: hold.promise, onStart: started.open });
    await manager.start();
    await eventually('leading', () => (manager.leading ? true : undefined));
    assert.equal((await readLease('drain')).spec?.holderIdentity, 'drain-manager');
    await client.create(gitRepository(ns, 'slow'));
    await started.promise;

    let result: boolean | undefined;
    const stopping = manager.stop().then((drained) => {
      result = drained;
    });
    // While the reconcile runs: stop() waits, the queue refuses new work, the signal is intact.
    await eventually('the queue shutting down', () => (controller.queue.shuttingDown ? true : undefined));
    await sleep(500);
    assert.equal(result, undefined, 'stop() did not wait for the running reconcile');
    assert.equal(reconciler.signals.at(-1)?.aborted, false, 'the reconcile was aborted while draining');
    assert.equal(
      (await readLease('drain')).spec?.holderIdentity,
      'drain-manager',
      'the lease was released before the reconcile finished',
    );

    hold.open();
    await stopping;
    assert.equal(result, true);
    assert.equal(reconciler.completed, 1);
    const obj = await client.get({ ...GitRepositoryRef, namespace: ns, name: 'slow' });
    assert.equal(readyCondition(obj)?.status, 'True', 'the finished reconcile’s status was not written');
    assert.equal((await readLease('drain')).spec?.holderIdentity, '', 'the lease was not released');
    assert.equal(manager.leading, false);
    await assert.rejects(
      httpGet(manager.probes.addresses.health, '/healthz'),
      'the probes server still answers',
    );
  });

  it('abandons a reconcile that overruns the shutdown deadline, and still releases the lease', async () => {
    const { manager, reconciler } = leadingManager('deadline', ['--graceful-shutdown-timeout=1s']);
    const started = gate();
    reconciler.behaviour.set('stuck', { untilAborted: true, onStart: started.open });
    await manager.start();
    await eventually('leading', () => (manager.leading ? true : undefined));
    await client.create(gitRepository(ns, 'stuck'));
    await started.promise;
    const signal = reconciler.signals.at(-1);
    assert.equal(signal?.aborted, false);

    const drained = await manager.stop();
    assert.equal(drained, false, 'stop() should report the reconcile it abandoned');
    assert.equal(signal?.aborted, true, 'the overrunning reconcile was not told to stop');
    assert.equal((await readLease('deadline')).spec?.holderIdentity, '', 'the lease was not released');
    assert.equal(reconciler.count('stuck'), 1);
  });
});
