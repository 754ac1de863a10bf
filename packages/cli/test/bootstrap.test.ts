/**
 * `weft bootstrap git` end to end, on a control plane of its own (its controllers reconcile every
 * namespace): over HTTP with basic auth into an empty repository, and over SSH with a generated
 * deploy key that the test "registers" by adding it to the server's authorized keys. weft's own
 * Deployments land on KWOK nodes, so their specs are real and roll; the objects are reconciled by
 * source-controller and kustomize-controller running as processes (see controllers.ts), which
 * is what proves the Git → cluster loop: a commit to weft-components.yaml changes
 * kustomize-controller's Deployment, a commit dropping notification-controller prunes it (its
 * CRDs stay), and an app under the same path is applied.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createGpgSigner,
  eventually,
  type GitHttpServer,
  type GitSshServer,
  startCluster,
  startGitHttpServer,
  startGitSshServer,
} from '@weft/e2e';
import { Client, type KubeObject, RestConfig } from '@weft/runtime/client';
import { app } from './bootstrap-files.ts';
import { startControllerProcesses } from './controllers.ts';
import { startWeft, weft } from './run-weft.ts';

const cluster = await startCluster({ name: 'weft-cli-bootstrap', nodes: 1 });
const client = new Client(RestConfig.fromFiles(cluster.kubeconfigPath), { fieldManager: 'e2e' });
const dir = await mkdtemp(join(tmpdir(), 'weft-bootstrap-e2e-'));
const auth = { username: 'fleet', password: 'fleet-secret' };
let http: GitHttpServer;
let ssh: GitSshServer;
let stopControllers: () => Promise<void> = async () => {};

before(async () => {
  http = await startGitHttpServer({ auth });
  ssh = await startGitSshServer();
  stopControllers = await startControllerProcesses(cluster.kubeconfigPath, dir);
});
after(async () => {
  await stopControllers();
  await http?.stop();
  await ssh?.stop();
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

const global = (namespace: string) => [
  '--kubeconfig',
  cluster.kubeconfigPath,
  '--namespace',
  namespace,
  '--timeout',
  '4m',
];

function deployment(namespace: string, name: string): Promise<KubeObject | undefined> {
  return client.find({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
}

function args(object: KubeObject | undefined): string[] {
  return (
    (object?.spec as { template: { spec: { containers: Array<{ args?: string[] }> } } } | undefined)?.template
      .spec.containers[0]?.args ?? []
  );
}

async function kustomization(namespace: string) {
  const object = await client.get({
    apiVersion: 'kustomize.weft.dev/v1',
    kind: 'Kustomization',
    namespace,
    name: namespace,
  });
  return object.status as {
    lastAppliedRevision?: string;
    conditions?: Array<{ type: string; status: string }>;
  };
}

function log(repo: GitHttpServer | GitSshServer, name: string): Promise<string> {
  return repo.repos.git(name, ['log', '--format=%s', 'main']);
}

describe('weft bootstrap git over HTTP', () => {
  const namespace = 'weft-system';
  const repo = 'fleet-http';
  const path = 'clusters/dev';
  const componentsPath = `${path}/weft-system/weft-components.yaml`;
  const bootstrap = (extra: string[] = []) =>
    weft([
      'bootstrap',
      'git',
      ...global(namespace),
      '--url',
      http.url(repo),
      '--username',
      auth.username,
      '--password',
      auth.password,
      '--path',
      path,
      '--interval',
      '5s',
      ...extra,
    ]);

  it('initialises an empty repository, commits components then sync, and waits until weft applied the commit', async () => {
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', http.repos.path(repo)]);
    const result = await bootstrap();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await log(http, repo), 'Add weft sync manifests\nAdd weft 0.1.0 component manifests\n');
    const head = await http.revParse(repo, 'main');
    const status = await kustomization(namespace);
    assert.equal(status.lastAppliedRevision, `main@sha1:${head}`);
    assert.ok(status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    for (const name of ['source-controller', 'kustomize-controller', 'notification-controller'])
      assert.ok(await deployment(namespace, name), `${name} is not installed`);
    const secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: namespace });
    assert.equal(
      Buffer.from((secret.data as Record<string, string>).password ?? '', 'base64').toString(),
      auth.password,
    );
    assert.doesNotMatch(result.stderr + result.stdout, new RegExp(auth.password));
  });

  it('is idempotent: a second run commits nothing', async () => {
    const before = await http.revParse(repo, 'main');
    const result = await bootstrap();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /the components in Git are up to date/);
    assert.equal(await http.revParse(repo, 'main'), before);
  });

  it("a commit to weft-components.yaml changes kustomize-controller's own Deployment", async () => {
    const text = await http.repos.readFile(repo, 'main', componentsPath);
    const edited = text.replace(
      /(name: kustomize-controller\n[\s\S]*?args:\n)(\s+- )/,
      (_all, head: string, item: string) => `${head}${item}--concurrent=7\n${item}`,
    );
    assert.notEqual(edited, text);
    await http.commit(repo, { [componentsPath]: edited }, 'kustomize-controller: 7 at once');
    await eventually(
      'kustomize-controller to run with --concurrent=7',
      async () =>
        args(await deployment(namespace, 'kustomize-controller')).includes('--concurrent=7') || undefined,
      120_000,
    );
  });

  it('an app committed under the path is applied', async () => {
    await http.commit(repo, { [app.file(path)]: app.manifest }, 'an app');
    await eventually('the app ConfigMap', () => client.find(app.object), 120_000);
  });

  it('a commit dropping notification-controller prunes it and keeps its CRDs', async () => {
    const text = await http.repos.readFile(repo, 'main', componentsPath);
    // The bytes a bootstrap with fewer --components writes: the same file without that controller.
    const { bootstrapComponents } = await import('../src/bootstrap/manifests.ts');
    const { onlyComponents } = await import('@weft/install');
    const fewer = bootstrapComponents({
      namespace,
      values: {
        ...onlyComponents(['source-controller', 'kustomize-controller']),
        clusterReconciler: { enabled: true },
      },
      components: ['source-controller', 'kustomize-controller'],
      version: '0.1.0',
    });
    assert.notEqual(fewer, text);
    await http.commit(repo, { [componentsPath]: fewer }, 'no notifications');
    await eventually(
      'notification-controller to be pruned',
      async () => ((await deployment(namespace, 'notification-controller')) ? undefined : true),
      120_000,
    );
    assert.ok(
      await client.find({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: 'alerts.notification.weft.dev',
      }),
      'the Alert CRD went with the controller',
    );
  });

  it('bootstrap with a newer version commits the new components and every controller upgrades', async () => {
    const result = await bootstrap([
      '--components',
      'source-controller,kustomize-controller',
      '--version',
      '0.2.0',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(await log(http, repo), /^Add weft 0\.2\.0 component manifests$/m);
    for (const name of ['source-controller', 'kustomize-controller']) {
      const image = (await deployment(namespace, name))?.spec as {
        template: { spec: { containers: Array<{ image: string }> } };
      };
      assert.equal(image.template.spec.containers[0]?.image, `ghcr.io/weft/${name}:0.2.0`);
    }
    const checked = await weft([
      'check',
      ...global(namespace),
      '--components',
      'source-controller,kustomize-controller',
    ]);
    assert.equal(checked.code, 0, checked.stderr);
  });
});

describe('weft bootstrap git over SSH', () => {
  const namespace = 'weft-ssh';
  const repo = 'fleet-ssh';

  it('generates a deploy key, waits until it can read, and signs its commits', async () => {
    await ssh.createRepo(repo, { 'README.md': '# fleet\n' });
    const signer = await createGpgSigner(dir, 'bootstrap');
    const keyRing = join(dir, 'keyring.asc');
    const exported = execFileSync('gpg', ['--batch', '--armor', '--export-secret-keys', signer.fingerprint], {
      env: { ...process.env, GNUPGHOME: signer.gnupgHome },
    });
    await writeFile(keyRing, exported);
    const run = startWeft(
      [
        'bootstrap',
        'git',
        ...global(namespace),
        '--url',
        ssh.url(repo),
        '--path',
        'clusters/ssh',
        '--components',
        'source-controller,kustomize-controller',
        '--gpg-key-ring',
        keyRing,
        '--interval',
        '5s',
      ],
      // Pushing uses the user's own ssh setup when no --private-key-file is given.
      { env: { GIT_SSH_COMMAND: await ssh.sshCommand() } },
    );
    const publicKey = await eventually(
      'the deploy key to be printed',
      async () => /^ssh-ed25519 \S+ .*$/m.exec(run.stdout())?.[0],
      180_000,
    );
    // Not registered yet: weft waits. Then the "deploy key registration".
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await ssh.authorize(publicKey);
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /waiting until the deploy key can read/);
    assert.match(
      result.stderr,
      new RegExp(`trusting host key \\[127\\.0\\.0\\.1\\]:${ssh.port} ssh-ed25519`),
    );

    const secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: namespace });
    const data = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString(),
      ]),
    );
    assert.equal(data['identity.pub'], publicKey);
    assert.match(
      data.known_hosts ?? '',
      new RegExp(ssh.hostPublicKey.split(' ')[1]?.replace(/[+/]/g, '\\$&') ?? ''),
    );
    const head = await ssh.revParse(repo, 'main');
    assert.equal((await kustomization(namespace)).lastAppliedRevision, `main@sha1:${head}`);

    // Both bootstrap commits carry a good signature from the key ring's key.
    for (const revision of ['main', 'main~1']) {
      // Exits non-zero (and so throws) on a missing or bad signature.
      execFileSync('git', ['verify-commit', revision], {
        cwd: ssh.repos.path(repo),
        env: { ...process.env, GNUPGHOME: signer.gnupgHome },
        stdio: 'ignore',
      });
    }
    assert.equal(
      await log(ssh, repo),
      'Add weft sync manifests\nAdd weft 0.1.0 component manifests\ninitial commit\n',
    );
  });
});
