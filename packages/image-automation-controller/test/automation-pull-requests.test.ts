/**
 * Per-policy branches with pull requests on a real forge: Gitea v1.26.0 on loopback (sqlite, an
 * admin user, an API token), git over HTTP with that token, the real apiserver. The automation
 * opens one request per policy branch; a later image of the policy lands on the same branch and
 * updates that request instead of opening a second; a request a person closed is not reopened.
 *
 * Skips, saying how to build it, when Gitea is not built: its cold build is too long for CI
 * (e2e/src/servers/gitea.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { giteaBuilt, giteaSkipReason, startGitea, testNamespace, useCluster } from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import { author } from './automation-fixture.ts';
import {
  condition,
  createAutomation,
  createGitRepository,
  createSecret,
  eventNotes,
  eventually,
  gitIn,
  installCrds,
  setPolicy,
  startAutomationController,
  waitForStatus,
} from './automation-harness.ts';

const built = giteaBuilt();

describe('ImageUpdateAutomation pull requests on Gitea', { skip: built ? false : giteaSkipReason }, () => {
  test('one request per policy branch, updated by later images, never a second; a closed one stays closed', async (t) => {
    const cluster = await useCluster();
    const kubeConfig = await cluster.kubeConfig();
    const client = new Client(kubeConfig);
    await installCrds(client);
    const gitea = await startGitea();
    after(() => gitea.stop());
    await startAutomationController(kubeConfig);

    const namespace = await testNamespace(kubeConfig, 'iua-pr');
    const marker = (policy: string, tag: string) =>
      `image: registry.example/${policy}:${tag} # {"$imagepolicy": "${namespace}:${policy}"}\n`;
    const repo = await gitea.createRepo(namespace, {
      'a.yaml': marker('a', '1.0.0'),
      'b.yaml': marker('b', '1.0.0'),
    });
    await createSecret(client, namespace, 'git-auth', { username: gitea.username, password: gitea.token });
    await createSecret(client, namespace, 'forge-token', { token: gitea.token });
    await createGitRepository(client, namespace, 'apps', repo.cloneUrl, { secretName: 'git-auth' });
    const main = await gitea.branchHead(namespace, 'main');
    await setPolicy(client, namespace, 'a', { name: 'registry.example/a', tag: '1.1.0' });
    await setPolicy(client, namespace, 'b', { name: 'registry.example/b', tag: '1.0.0' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'apps' },
      interval: '1h',
      git: {
        commit: { author },
        push: {
          policyBranches: {
            prefix: 'weft/update',
            pullRequest: { provider: 'gitea', secretRef: { name: 'forge-token' } },
          },
        },
      },
    });

    const pullsOf = async () => (await gitea.pulls(namespace)).sort((x, y) => x.number - y.number);
    const opened = await eventually(
      'a pull request for weft/update/a',
      async () => {
        const pulls = await pullsOf();
        return pulls.length > 0 ? pulls : undefined;
      },
      120_000,
    );
    // b's image is the one the file has: no branch, no request.
    assert.equal(opened.length, 1, `requests: ${opened.map((p) => p.head.ref).join(', ')}`);
    const [first] = opened;
    assert.ok(first);
    assert.equal(first.state, 'open');
    assert.equal(first.head.ref, 'weft/update/a');
    assert.equal(first.base.ref, 'main');
    assert.equal(first.title, 'Update a to 1.1.0');
    const a1 = await gitea.branchHead(namespace, 'weft/update/a');
    assert.equal(first.head.sha, a1);
    assert.equal(await gitea.branchHead(namespace, 'main'), main, 'main is untouched');
    assert.equal(await gitea.branchHead(namespace, 'weft/update/b'), undefined);
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'Ready naming the request',
      (s) => (condition(s, 'Ready')?.message ?? '').includes(first.html_url),
      120_000,
    );
    assert.equal(status.lastPushCommit, a1);
    const events = await eventually('the PullRequestOpened event', async () => {
      const notes = await eventNotes(client, namespace, 'auto');
      return notes.some((e) => e.reason === 'PullRequestOpened') ? notes : undefined;
    });
    assert.ok(
      events.some((e) => e.reason === 'PullRequestOpened' && e.note.includes(first.html_url)),
      JSON.stringify(events),
    );
    assert.ok(!events.some((e) => /token|password/i.test(e.note)), 'no credential in events');

    await t.test('a later image updates the branch and the same request', async () => {
      await setPolicy(client, namespace, 'a', { name: 'registry.example/a', tag: '1.2.0' });
      const updated = await eventually(
        'the request retitled for 1.2.0',
        async () => {
          const pulls = await pullsOf();
          return pulls.some((p) => p.title === 'Update a to 1.2.0') ? pulls : undefined;
        },
        120_000,
      );
      assert.deepEqual(
        updated.map((p) => [p.number, p.state, p.head.ref]),
        [[first.number, 'open', 'weft/update/a']],
        'the same request, no second one',
      );
      const a2 = await gitea.branchHead(namespace, 'weft/update/a');
      assert.notEqual(a2, a1);
      assert.equal(updated[0]?.head.sha, a2);
      // On top of the branch under review, not a new branch from main.
      const bare = gitea.repositoryPath(namespace);
      assert.equal((await gitIn(bare, ['rev-parse', `${a2}^`])).trim(), a1);
      assert.equal(await gitIn(bare, ['show', `${a2}:a.yaml`]), marker('a', '1.2.0'));
    });

    await t.test('a request a person closed is not reopened for the same branch head', async () => {
      await gitea.api('PATCH', `/repos/${gitea.username}/${namespace}/pulls/${first.number}`, {
        state: 'closed',
      });
      const before = await waitForStatus(
        client,
        namespace,
        'auto',
        'a run time',
        (s) => !!s.lastAutomationRunTime,
      );
      // Ask for a run now (the interval is an hour).
      await client.patch(
        { apiVersion: 'image.weft.dev/v1', kind: 'ImageUpdateAutomation', namespace, name: 'auto' },
        { metadata: { annotations: { 'reconcile.weft.dev/requestedAt': new Date().toISOString() } } },
      );
      await waitForStatus(
        client,
        namespace,
        'auto',
        'a run after the request was closed',
        (s) =>
          s.lastHandledReconcileAt !== undefined && s.lastAutomationRunTime !== before.lastAutomationRunTime,
        120_000,
      );
      const pulls = await pullsOf();
      assert.deepEqual(
        pulls.map((p) => [p.number, p.state]),
        [[first.number, 'closed']],
      );
    });
  });
});
