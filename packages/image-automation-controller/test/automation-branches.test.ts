/**
 * ImageUpdateAutomation end to end, where commits go: a concurrent push redone on the new head,
 * per-policy branches (the real apiserver, git over HTTP with basic auth, the real `git`).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { testNamespace } from '@weft/e2e';
import { author, automationSuite } from './automation-fixture.ts';
import {
  createAutomation,
  eventNotes,
  eventually,
  gitIn,
  setPolicy,
  waitForStatus,
} from './automation-harness.ts';

const { kubeConfig, client, http, httpRepo } = await automationSuite();

describe('ImageUpdateAutomation pushes', () => {
  test('a concurrent push moves the branch: the update is redone on the new head, never forced', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    await httpRepo(namespace, 'busy', {
      'app.yaml': `image: registry.example/app:1.0.0 # {"$imagepolicy": "${namespace}:app"}\n`,
    });
    let concurrent: string | undefined;
    http.beforeReceivePack = async (repoPath) => {
      if (concurrent !== undefined || !repoPath.includes('busy')) return;
      concurrent = await http.commit(
        'busy',
        { 'other.txt': 'a colleague pushed first\n' },
        'concurrent change',
      );
    };
    after(() => {
      http.beforeReceivePack = undefined;
    });
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '1.0.2' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'busy' },
      interval: '1h',
      git: { commit: { author } },
    });
    // Generous: a rejected push, a fetch and a second push on a loaded machine (CI runs every
    // package's e2e at once). The wait is not what this test is about; the history is.
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'pushed',
      (s) => s.lastPushCommit !== undefined,
      180_000,
    );
    assert.ok(concurrent, 'the concurrent commit was made');
    const head = await http.revParse('busy', 'refs/heads/main');
    assert.equal(status.lastPushCommit, head);
    const repoPath = http.repos.path('busy');
    assert.equal(
      (await gitIn(repoPath, ['rev-parse', `${head}^`])).trim(),
      concurrent,
      'on top of the new head',
    );
    assert.equal(await http.repos.readFile('busy', head, 'other.txt'), 'a colleague pushed first\n');
    // Retried within the run: no failed reconcile (a Warning event) on the way.
    const events = await eventNotes(client, namespace, 'auto');
    assert.deepEqual(
      events.map((event) => event.reason),
      ['GitPushSucceeded'],
    );
    assert.equal(
      await http.repos.readFile('busy', head, 'app.yaml'),
      `image: registry.example/app:1.0.2 # {"$imagepolicy": "${namespace}:app"}\n`,
    );
  });

  test("per-policy branches: each policy's update on <prefix>/<policy>, later updates on top", async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    await httpRepo(namespace, 'split', {
      'a.yaml': `image: registry.example/a:1.0.0 # {"$imagepolicy": "${namespace}:a"}\n`,
      'b.yaml': `image: registry.example/b:1.0.0 # {"$imagepolicy": "${namespace}:b"}\n`,
    });
    const main = await http.revParse('split', 'refs/heads/main');
    await setPolicy(client, namespace, 'a', { name: 'registry.example/a', tag: '1.1.0' }, { team: 'x' });
    await setPolicy(client, namespace, 'b', { name: 'registry.example/b', tag: '2.0.0' }, { team: 'x' });
    await setPolicy(client, namespace, 'c', { name: 'registry.example/c', tag: '9.9.9' }, { team: 'other' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'split' },
      interval: '1h',
      policySelector: { matchLabels: { team: 'x' } },
      git: { commit: { author }, push: { policyBranches: { prefix: 'weft/update' } } },
    });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'pushed',
      (s) => s.lastPushCommit !== undefined,
    );
    assert.deepEqual(Object.keys(status.observedPolicies ?? {}).sort(), ['a', 'b']);
    assert.equal(await http.revParse('split', 'refs/heads/main'), main, 'main is untouched');
    const a = await http.revParse('split', 'refs/heads/weft/update/a');
    const b = await http.revParse('split', 'refs/heads/weft/update/b');
    assert.equal(
      await http.repos.readFile('split', a, 'a.yaml'),
      `image: registry.example/a:1.1.0 # {"$imagepolicy": "${namespace}:a"}\n`,
    );
    assert.equal(
      await http.repos.readFile('split', a, 'b.yaml'),
      `image: registry.example/b:1.0.0 # {"$imagepolicy": "${namespace}:b"}\n`,
    );
    assert.equal(
      await http.repos.readFile('split', b, 'b.yaml'),
      `image: registry.example/b:2.0.0 # {"$imagepolicy": "${namespace}:b"}\n`,
    );
    assert.equal(
      await http.repos.readFile('split', b, 'a.yaml'),
      `image: registry.example/a:1.0.0 # {"$imagepolicy": "${namespace}:a"}\n`,
    );
    assert.equal(
      await http.repos.resolve('split', 'refs/heads/weft/update/c'),
      undefined,
      'c is not selected',
    );

    await setPolicy(client, namespace, 'a', { name: 'registry.example/a', tag: '1.2.0' }, { team: 'x' });
    await eventually('a second update on weft/update/a', async () =>
      (await http.revParse('split', 'refs/heads/weft/update/a')) !== a ? true : undefined,
    );
    const a2 = await http.revParse('split', 'refs/heads/weft/update/a');
    assert.equal(
      (await gitIn(http.repos.path('split'), ['rev-parse', `${a2}^`])).trim(),
      a,
      'on top of the branch',
    );
    assert.equal(await http.revParse('split', 'refs/heads/weft/update/b'), b, 'b unchanged');
  });
});
