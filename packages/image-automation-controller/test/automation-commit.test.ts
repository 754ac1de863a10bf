/**
 * ImageUpdateAutomation end to end, the commit: the marked file edited byte for byte, the
 * message template, nothing to change, a signed commit checked with `git verify-commit` (the
 * real apiserver, git over HTTP with basic auth, the real `git` and `gpg`).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createGpgSigner, testNamespace } from '@weft/e2e';
import { author, automationSuite, deployment } from './automation-fixture.ts';
import {
  condition,
  createAutomation,
  createSecret,
  eventNotes,
  eventually,
  gitIn,
  run,
  setPolicy,
  waitForStatus,
} from './automation-harness.ts';

const { kubeConfig, client, http, httpRepo } = await automationSuite();

describe('ImageUpdateAutomation over HTTP', () => {
  test('a marked manifest is updated, committed with the template and pushed; every other byte stays', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    const original = deployment.replace('NS', namespace);
    await httpRepo(namespace, 'apps', { 'deploy/app.yaml': original, 'README.md': 'not yaml\n' });
    const before = await http.revParse('apps', 'refs/heads/main');
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '1.1.0' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'apps' },
      interval: '1h',
      update: { path: './deploy', strategy: 'Setters' },
      git: {
        commit: {
          author,
          messageTemplate:
            '[{{ Values.team }}] {{ AutomationObject }}{% for c in Changed.Changes %} {{ c.OldValue }} -> {{ c.NewValue }}{% endfor %}',
          messageTemplateValues: { team: 'platform' },
        },
      },
    });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'pushed',
      (s) => s.lastPushCommit !== undefined,
    );
    const head = await http.revParse('apps', 'refs/heads/main');
    assert.equal(status.lastPushCommit, head);
    assert.notEqual(head, before);
    assert.equal(
      await http.repos.readFile('apps', head, 'deploy/app.yaml'),
      original.replace('registry.example/app:1.0.0', 'registry.example/app:1.1.0'),
    );
    const repoPath = http.repos.path('apps');
    assert.equal((await gitIn(repoPath, ['rev-parse', `${head}^`])).trim(), before);
    assert.equal(
      await gitIn(repoPath, ['log', '-1', '--format=%B', head]),
      `[platform] ${namespace}/auto registry.example/app:1.0.0 -> registry.example/app:1.1.0\n\n`,
    );
    assert.equal(
      (await gitIn(repoPath, ['log', '-1', '--format=%an <%ae>', head])).trim(),
      'Image Bot <bot@example.invalid>',
    );
    assert.deepEqual((await gitIn(repoPath, ['diff', '--name-only', before, head])).trim().split('\n'), [
      'deploy/app.yaml',
    ]);
    assert.deepEqual(status.observedPolicies, { app: { name: 'registry.example/app', tag: '1.1.0' } });
    assert.equal(status.observedSourceRevision, `main@sha1:${before}`);
    assert.ok(status.lastPushTime);
    const ready = condition(status, 'Ready');
    assert.equal(ready?.status, 'True');
    assert.match(ready?.message ?? '', new RegExp(`pushed commit '${head.slice(0, 12)}' to refs/heads/main`));
    const events = await eventually('push event', async () => {
      const notes = await eventNotes(client, namespace, 'auto');
      return notes.some((event) => event.reason === 'GitPushSucceeded') ? notes : undefined;
    });
    const pushEvent = events.find((event) => event.reason === 'GitPushSucceeded');
    assert.match(pushEvent?.note ?? '', new RegExp(`Committed and pushed change ${head} to refs/heads/main`));
    assert.match(pushEvent?.note ?? '', /registry\.example\/app:1\.0\.0 -> registry\.example\/app:1\.1\.0/);

    // A new latestRef reconciles at once (the interval is 1h): the policy watch.
    await setPolicy(client, namespace, 'app', {
      name: 'registry.example/app',
      tag: '1.2.0',
      digest: `sha256:${'a'.repeat(64)}`,
    });
    const second = await waitForStatus(
      client,
      namespace,
      'auto',
      'second push',
      (s) => s.lastPushCommit !== head,
    );
    const text = await http.repos.readFile('apps', 'refs/heads/main', 'deploy/app.yaml');
    assert.equal(
      text,
      original.replace('registry.example/app:1.0.0', `registry.example/app:1.2.0@sha256:${'a'.repeat(64)}`),
    );
    assert.equal(second.lastPushCommit, await http.revParse('apps', 'refs/heads/main'));
  });

  test('nothing to change: no commit, Ready says up-to-date', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    await httpRepo(namespace, 'same', {
      'app.yaml': `image: registry.example/app:2.0.0 # {"$imagepolicy": "${namespace}:app"}\n`,
    });
    const before = await http.revParse('same', 'refs/heads/main');
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '2.0.0' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'same' },
      interval: '1h',
      git: { commit: { author } },
    });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'ready',
      (s) => condition(s, 'Ready')?.status === 'True',
    );
    assert.equal(condition(status, 'Ready')?.message, 'repository up-to-date');
    assert.equal(status.lastPushCommit, undefined);
    assert.equal(await http.revParse('same', 'refs/heads/main'), before);
  });

  test('a signed commit verifies with git verify-commit', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    await httpRepo(namespace, 'signed', {
      'app.yaml': `image: registry.example/app:1.0.0 # {"$imagepolicy": "${namespace}:app"}\n`,
    });
    const keys = await mkdtemp(join(tmpdir(), 'iua-gpg-'));
    after(() => rm(keys, { recursive: true, force: true }));
    const signer = await createGpgSigner(keys, 'bot');
    const gpgEnv = { ...process.env, GNUPGHOME: signer.gnupgHome };
    const { stdout: armored } = await run(
      'gpg',
      [
        '--batch',
        '--pinentry-mode',
        'loopback',
        '--passphrase',
        '',
        '--armor',
        '--export-secret-keys',
        signer.fingerprint,
      ],
      { env: gpgEnv },
    );
    await createSecret(client, namespace, 'signing', { 'git.asc': armored });
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '1.0.1' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'signed' },
      interval: '1h',
      git: { commit: { author, signingKey: { secretRef: { name: 'signing' } } } },
    });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'pushed',
      (s) => s.lastPushCommit !== undefined,
    );
    const commit = status.lastPushCommit as string;
    const verified = await run('git', ['-C', http.repos.path('signed'), 'verify-commit', '--raw', commit], {
      env: { ...gpgEnv, GIT_CONFIG_NOSYSTEM: '1' },
    });
    assert.match(verified.stderr, new RegExp(`VALIDSIG ${signer.fingerprint}`));
    // And a commit not signed by that key does not verify: the check is real.
    const unsigned = await http.revParse('signed', `${commit}^`);
    await assert.rejects(
      run('git', ['-C', http.repos.path('signed'), 'verify-commit', unsigned], { env: gpgEnv }),
    );
  });
});
