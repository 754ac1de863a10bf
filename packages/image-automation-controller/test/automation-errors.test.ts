/**
 * ImageUpdateAutomation end to end, what is refused and how it says so: a bad template, push
 * options, wrong credentials, a cross-namespace sourceRef (the controller runs with
 * --no-cross-namespace-refs here), and SSH with a known_hosts that lacks the server's key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type GitSshServer, startGitSshServer, testNamespace } from '@weft/e2e';
import { author, automationSuite, deployment } from './automation-fixture.ts';
import {
  automationStatus,
  condition,
  createAutomation,
  createGitRepository,
  createSecret,
  setPolicy,
  waitForStatus,
} from './automation-harness.ts';

const { kubeConfig, client, http, httpRepo } = await automationSuite({ noCrossNamespaceRefs: true });

describe('ImageUpdateAutomation refusals', () => {
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

  test('with --no-cross-namespace-refs a sourceRef in another namespace is refused, naming it', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua');
    const other = await testNamespace(kubeConfig, 'iua-src');
    await httpRepo(other, 'elsewhere', {
      'app.yaml': `image: registry.example/app:1.0.0 # {"$imagepolicy": "${namespace}:app"}\n`,
    });
    const before = await http.revParse('elsewhere', 'refs/heads/main');
    await setPolicy(client, namespace, 'app', { name: 'registry.example/app', tag: '1.0.1' });
    await createAutomation(client, namespace, 'auto', {
      sourceRef: { kind: 'GitRepository', name: 'elsewhere', namespace: other },
      interval: '1h',
      git: { commit: { author } },
    });
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'stalled',
      (s) => condition(s, 'Stalled')?.status === 'True',
    );
    assert.equal(condition(status, 'Ready')?.reason, 'AccessDenied');
    assert.match(
      condition(status, 'Ready')?.message ?? '',
      new RegExp(`GitRepository/${other}/elsewhere .*cross-namespace references have been blocked`),
    );
    assert.equal(await http.revParse('elsewhere', 'refs/heads/main'), before, 'nothing pushed');
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
