/**
 * The forge API calls of pull requests trust what the Git transport trusts: the CA in the
 * GitRepository secret's `ca.crt`. Real HTTPS servers on loopback, each with a certificate of its
 * own throw-away CA (@weft/e2e's git server with `tls`), the real apiserver, the controller
 * in-process. No forge is imitated: the git server answers the forge's API path with 404, and
 * that answer (rather than a TLS failure) is what shows the call got through the handshake. The
 * pull request flow itself is tested against a real Gitea (automation-pull-requests.test.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startGitHttpServer, testNamespace, useCluster } from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import { author } from './automation-fixture.ts';
import {
  condition,
  createAutomation,
  createGitRepository,
  createSecret,
  installCrds,
  setPolicy,
  startAutomationController,
  waitForStatus,
} from './automation-harness.ts';

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig);
await installCrds(client);
const git = await startGitHttpServer({ tls: true });
after(() => git.stop());
// Another HTTPS server, its certificate from another CA: a forge the git CA does not vouch for.
const stranger = await startGitHttpServer({ tls: true });
after(() => stranger.stop());
await startAutomationController(kubeConfig);

const forgeToken = 'forge-token-never-shown';
const marker = (namespace: string, tag: string) =>
  `image: registry.example/a:${tag} # {"$imagepolicy": "${namespace}:a"}\n`;

/** A repository on the HTTPS git server, its GitRepository (secret: ca.crt + `extra`) and policy a. */
async function setUp(namespace: string, extra: Record<string, string> = {}) {
  const repo = `${namespace}/apps`;
  await git.createRepo(repo, { 'a.yaml': marker(namespace, '1.0.0') });
  await createSecret(client, namespace, 'git-tls', { 'ca.crt': git.caPem ?? '', ...extra });
  await createSecret(client, namespace, 'forge-token', { token: forgeToken });
  await createGitRepository(client, namespace, 'apps', git.url(repo), { secretName: 'git-tls' });
  await setPolicy(client, namespace, 'a', { name: 'registry.example/a', tag: '1.1.0' });
  return repo;
}

const pullRequestAutomation = (address?: string) => ({
  sourceRef: { kind: 'GitRepository', name: 'apps' },
  interval: '1h',
  git: {
    commit: { author },
    push: {
      policyBranches: {
        prefix: 'weft/update',
        pullRequest: {
          provider: 'gitea',
          secretRef: { name: 'forge-token' },
          ...(address ? { address } : {}),
        },
      },
    },
  },
});

describe('ImageUpdateAutomation forge calls over HTTPS with a private CA', () => {
  test('the GitRepository CA verifies the push and the forge API call alike', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua-ca');
    const repo = await setUp(namespace);
    await createAutomation(client, namespace, 'auto', pullRequestAutomation());
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'the pull request call answered',
      (s) => condition(s, 'Ready')?.reason === 'PullRequestFailed',
    );
    const message = condition(status, 'Ready')?.message ?? '';
    // Through the handshake: the server's own answer, not a certificate error.
    assert.match(message, /GET \/api\/v1\/repos\/[^ ]+\/pulls answered HTTP 404/, message);
    assert.doesNotMatch(message, /certificate|TLS/i, message);
    assert.ok(!message.includes(forgeToken), 'no token in the status');
    const call = git.requests.find((request) => /^\/api\/v1\/repos\/.+\/pulls$/.test(request.path));
    assert.ok(call, `the forge call reached the server: ${git.requests.map((r) => r.path).join(', ')}`);
    // The push before it went over the same HTTPS with the same CA.
    assert.equal(
      await git.repos.git(repo, ['show', 'refs/heads/weft/update/a:a.yaml']),
      marker(namespace, '1.1.0'),
    );
  });

  test('a forge whose certificate the GitRepository CA does not verify fails TLS, naming the ca.crt', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua-ca');
    await setUp(namespace);
    await createAutomation(client, namespace, 'auto', pullRequestAutomation(stranger.baseUrl));
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'the pull request call refused',
      (s) => condition(s, 'Ready')?.reason === 'PullRequestFailed',
    );
    const message = condition(status, 'Ready')?.message ?? '';
    assert.match(message, /TLS verification failed .*"ca\.crt".*does not verify/, message);
    assert.ok(!message.includes(forgeToken), 'no token in the status');
    assert.ok(
      !stranger.requests.some((request) => request.path.startsWith('/api/')),
      'no request got past the handshake',
    );
  });

  test('a client certificate in the secret is refused by name (Stalled), nothing pushed', async () => {
    const namespace = await testNamespace(kubeConfig, 'iua-ca');
    const repo = await setUp(namespace, { 'tls.crt': git.caPem ?? '', 'tls.key': 'not shown' });
    await createAutomation(client, namespace, 'auto', pullRequestAutomation());
    const status = await waitForStatus(
      client,
      namespace,
      'auto',
      'stalled',
      (s) => condition(s, 'Stalled')?.status === 'True',
    );
    const ready = condition(status, 'Ready');
    assert.equal(ready?.reason, 'InvalidSourceConfig');
    assert.match(ready?.message ?? '', /has "tls\.crt", "tls\.key": a client certificate/);
    assert.ok(!(ready?.message ?? '').includes('not shown'), 'no secret value in the status');
    await assert.rejects(git.revParse(repo, 'refs/heads/weft/update/a'));
  });
});
