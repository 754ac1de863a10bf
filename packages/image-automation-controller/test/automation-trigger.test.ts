/**
 * What triggers an ImageUpdateAutomation: a policy's new latestRef, read from the informer whose
 * event triggered the run (issue 16's missed trigger), in a sharded instance
 * (`--watch-label-selector`), as the bench and the whole-loop test run it.
 *
 * The missed trigger was a race between two watches of ImagePolicies in one process: the
 * automation half watched its own informer but read policies from the cache's first informer of
 * the kind (the reflector half's, with the shard selector). An event could trigger a run that
 * read the previous latestRef from the other watch, not yet updated, and the change waited for
 * the interval. Here the first informer of the kind is one that never sees the test's policies:
 * the limit of a watch that lags, so the race is lost every time, not 3 times in 100.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ImageApiVersion, ImagePolicyKind } from '@weft/api';
import { startGitHttpServer, testNamespace, useCluster } from '@weft/e2e';
import { cacheKind } from '@weft/runtime/cache';
import { Client, type KubeObject } from '@weft/runtime/client';
import { author, deployment } from './automation-fixture.ts';
import {
  createAutomation,
  createGitRepository,
  installCrds,
  setPolicy,
  startAutomationController,
  waitForStatus,
} from './automation-harness.ts';

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig);
await installCrds(client);
const http = await startGitHttpServer();
after(() => http.stop());
// Sharded (`--watch-label-selector`, the harness's shard), as the bench and the loop test run it.
await startAutomationController(kubeConfig, {
  // Another informer of ImagePolicies registered first in the manager's cache, as the reflector
  // half's is in the controller's process; this one matches no object at all.
  prepare: (manager) => {
    manager.cache.informer(cacheKind<KubeObject>(ImageApiVersion, ImagePolicyKind), {
      labelSelector: 'weft.dev/test-decoy=never',
    });
  },
});

async function setup(namespace: string) {
  const original = deployment.replace('NS', namespace);
  // One repository per test, named after its namespace, behind a GitRepository `apps`.
  await http.createRepo(namespace, { 'deploy/app.yaml': original });
  await createGitRepository(client, namespace, 'apps', http.url(namespace));
  return original;
}

const automationSpec = {
  sourceRef: { kind: 'GitRepository', name: 'apps' },
  interval: '1h',
  update: { path: './deploy', strategy: 'Setters' },
  git: { commit: { author } },
};

describe('ImageUpdateAutomation triggers', () => {
  test('a new latestRef after the run that found nothing to do is pushed at once, not at the interval', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua-trigger');
    const original = await setup(namespace);
    // The tag the file has: the first run has nothing to change.
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '1.0.0' });
    await createAutomation(client, namespace, 'auto', automationSpec);
    const first = await waitForStatus(
      client,
      namespace,
      'auto',
      'a first run that saw the policy',
      (s) => s.observedPolicies?.app?.tag === '1.0.0',
    );
    assert.equal(first.lastPushCommit, undefined);
    // The interval is an hour: only the policy's event can bring this push within the wait.
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '1.1.0' });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'pushed 1.1.0',
      (s) => s.lastPushCommit !== undefined,
    );
    assert.deepEqual(status.observedPolicies, { app: { name: 'registry.example/app', tag: '1.1.0' } });
    const head = await http.revParse(namespace, 'refs/heads/main');
    assert.equal(status.lastPushCommit, head);
    assert.equal(
      await http.repos.readFile(namespace, head, 'deploy/app.yaml'),
      original.replace('registry.example/app:1.0.0', 'registry.example/app:1.1.0'),
    );
  });

  test('a sharded instance applies only the policies of its shard (as Flux, the selector applies to every kind)', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua-trigger');
    await setup(namespace);
    const before = await http.revParse(namespace, 'refs/heads/main');
    // Selected by the automation (no policySelector picks all), but without the shard's label.
    const policy = { apiVersion: ImageApiVersion, kind: ImagePolicyKind, namespace, name: 'app' };
    await client.create({
      ...policy,
      metadata: { name: 'app', namespace },
      spec: { imageRepositoryRef: { name: 'app' }, policy: { semver: { range: '>=0.0.0' } } },
    });
    await client.patchStatus(policy, { latestRef: { name: 'registry.example/app', tag: '2.0.0' } });
    await createAutomation(client, namespace, 'auto', automationSpec);
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'a run',
      (s) => s.lastAutomationRunTime !== undefined,
    );
    assert.deepEqual(status.observedPolicies, {});
    assert.equal(status.lastPushCommit, undefined);
    assert.equal(await http.revParse(namespace, 'refs/heads/main'), before);
  });
});
