/**
 * ImageUpdateAutomation end to end: the real apiserver, the real git server over HTTP (with basic
 * auth) and SSH, the real `git` and `gpg` to check what was pushed. ImagePolicy status is written
 * by the test, standing in for the reflector.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createGpgSigner,
  type GitHttpServer,
  type GitSshServer,
  startGitHttpServer,
  startGitSshServer,
  testNamespace,
  useCluster,
} from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import {
  automationStatus,
  condition,
  createAutomation,
  createGitRepository,
  createSecret,
  eventNotes,
  eventually,
  gitIn,
  installCrds,
  run,
  setPolicy,
  startAutomationController,
  waitForStatus,
} from './automation-harness.ts';

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig);
const credentials = { username: 'robot', password: 'secret-pass' };

// A manifest with comments, odd spacing, quoting and blank lines the edit must keep.
const deployment = [
  '# The app: only the marked image may change.',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: app        # spacing kept',
  '  labels: {app: app, "quoted": \'yes\'}',
  '',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: app',
  '          image: registry.example/app:1.0.0 # {"$imagepolicy": "NS:app"}',
  '        - name: sidecar',
  '          image: "registry.example/sidecar:9" # not a marker',
  '',
  '',
].join('\n');

const author = { name: 'Image Bot', email: 'bot@example.invalid' };

// At the top level, not in before(): node:test runs an after() registered in a hook right
// after that hook, and the controller's stop is registered that way.
await installCrds(client);
const http: GitHttpServer = await startGitHttpServer({ auth: credentials });
after(() => http.stop());
await startAutomationController(kubeConfig);

async function httpRepo(namespace: string, repo: string, files: Record<string, string>): Promise<void> {
  await http.createRepo(repo, files);
  await createSecret(client, namespace, `${repo}-auth`, credentials);
  await createGitRepository(client, namespace, repo, http.url(repo), { secretName: `${repo}-auth` });
}

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
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'pushed',
      (s) => s.lastPushCommit !== undefined,
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

  test('a bad template is a clear, stalled error and nothing is pushed', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    await httpRepo(namespace, 'badtpl', {
      'app.yaml': `image: registry.example/app:1.0.0 # {"$imagepolicy": "${namespace}:app"}\n`,
    });
    const before = await http.revParse('badtpl', 'refs/heads/main');
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '1.0.1' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'badtpl' },
      interval: '1h',
      git: {
        commit: { author, messageTemplate: 'Update {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}' },
      },
    });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'not ready',
      (s) => condition(s, 'Ready')?.status === 'False',
    );
    const ready = condition(status, 'Ready');
    assert.equal(ready?.reason, 'InvalidMessageTemplate');
    assert.match(
      ready?.message ?? '',
      /spec\.git\.commit\.messageTemplate (does not parse|failed to render): .*looks like a Go template/,
    );
    assert.equal(condition(status, 'Stalled')?.status, 'True');
    assert.equal(await http.revParse('badtpl', 'refs/heads/main'), before);
  });

  test('push options are refused by name (Stalled), wrong credentials are a clear error', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    await httpRepo(namespace, 'refuse', { 'app.yaml': 'a: b\n' });
    await createAutomation(client, namespace, 'opts', {
      sourceRef: { kind: 'GitRepository', name: 'refuse' },
      interval: '1h',
      git: { commit: { author }, push: { options: { 'ci.skip': '' } } },
    });
    const opts = await waitForStatus(
      client,
      namespace,
      'opts',
      'stalled',
      (s) => condition(s, 'Stalled')?.status === 'True',
    );
    assert.equal(condition(opts, 'Ready')?.reason, 'UnsupportedField');
    assert.match(condition(opts, 'Ready')?.message ?? '', /spec\.git\.push\.options is not supported/);

    await createSecret(client, namespace, 'wrong', { username: 'robot', password: 'nope' });
    await createGitRepository(client, namespace, 'wrongauth', http.url('refuse'), { secretName: 'wrong' });
    await createAutomation(client, namespace, 'auth', {
      sourceRef: { kind: 'GitRepository', name: 'wrongauth' },
      interval: '1h',
      git: { commit: { author } },
    });
    const auth = await waitForStatus(
      client,
      namespace,
      'auth',
      'auth failed',
      (s) => condition(s, 'Ready')?.status === 'False',
    );
    assert.equal(condition(auth, 'Ready')?.reason, 'AuthenticationFailed');
    assert.doesNotMatch(JSON.stringify(auth), /nope/, 'no password in status');
  });
});

describe('ImageUpdateAutomation over SSH', () => {
  let ssh: GitSshServer;
  before(async () => {
    ssh = await startGitSshServer();
  });
  after(() => ssh?.stop());

  test('clones and pushes with the identity and known_hosts of the GitRepository secret', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    const original = deployment.replace('NS', namespace);
    await ssh.createRepo('ssh-apps', { 'deploy/app.yaml': original });
    await createSecret(client, namespace, 'ssh-auth', {
      identity: ssh.clientPrivateKey,
      known_hosts: ssh.knownHosts,
    });
    await createGitRepository(client, namespace, 'ssh-apps', ssh.url('ssh-apps'), { secretName: 'ssh-auth' });
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '3.0.0' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'ssh-apps' },
      interval: '1h',
      git: { commit: { author }, push: { branch: 'auto' } },
    });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'pushed',
      (s) => s.lastPushCommit !== undefined,
    );
    assert.equal(status.lastPushCommit, await ssh.revParse('ssh-apps', 'refs/heads/auto'));
    assert.equal(
      await ssh.repos.readFile('ssh-apps', 'refs/heads/auto', 'deploy/app.yaml'),
      original.replace('registry.example/app:1.0.0', 'registry.example/app:3.0.0'),
    );

    // A known_hosts without the server's key is refused before anything is sent.
    await createSecret(client, namespace, 'ssh-unknown', {
      identity: ssh.clientPrivateKey,
      known_hosts: `[127.0.0.1]:1 ${ssh.hostPublicKey}`,
    });
    await createGitRepository(client, namespace, 'ssh-unknown', ssh.url('ssh-apps'), {
      secretName: 'ssh-unknown',
    });
    await createAutomation(client, namespace, 'unknown', {
      sourceRef: { kind: 'GitRepository', name: 'ssh-unknown' },
      interval: '1h',
      git: { commit: { author } },
    });
    const refused = await waitForStatus(
      client,
      namespace,
      'unknown',
      'refused',
      (s) => condition(s, 'Ready')?.status === 'False',
    );
    assert.match(condition(refused, 'Ready')?.message ?? '', /no host key for .*known_hosts/);
    assert.ok((await automationStatus(client, namespace, 'unknown')).lastPushCommit === undefined);
  });
});
