/**
 * weft really manages itself (issue 13, "It really manages itself"): `weft bootstrap git` on the
 * real node, the controllers running as pods from the images setup built, pulled from an e2e
 * registry. One repository, served over HTTP (basic auth) and over SSH, as a Git host serves both:
 *
 * 1. bootstrap over HTTP → every controller's pod Running and Ready, the Kustomization Ready at
 *    the pushed commit;
 * 2. a commit adding `--concurrent=7` to kustomize-controller in weft-components.yaml → the
 *    in-cluster kustomize-controller applies it to its own Deployment, which rolls, and the new
 *    process runs with the flag;
 * 3. an app committed under the same path is applied;
 * 4. a commit dropping notification-controller prunes it (its CRDs stay);
 * 5. bootstrap again over SSH (a generated deploy key, registered while weft waits) with
 *    `--version 0.2.0` → the new components are committed and every controller runs 0.2.0.
 *
 * The pods use host networking (docs/e2e.md, "Running weft in the cluster in tests"): the chart
 * values for it come from the harness (`inClusterValues`) and reach weft through `--values`, as
 * a user's own values would. With `hostNetwork: true` the committed Namespace enforces the
 * privileged Pod Security Standard instead of restricted (which forbids host namespaces), so the
 * repository needs no patch of it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  allocatePorts,
  type Cluster,
  deploymentRolledOut,
  eventually,
  type GitHttpServer,
  type GitSshServer,
  imagesDir,
  inClusterValues,
  nodeProcess,
  type OciRegistry,
  pushImageLayout,
  pushWeftImages,
  realNodeName,
  realNodeUnavailable,
  startCluster,
  startGitHttpServer,
  startGitSshServer,
  startOciRegistry,
  type WeftController,
} from '@weft/e2e';
import { Client, type KubeObject, RestConfig } from '@weft/runtime/client';
import { addConcurrentFlag, app, containerArgs, fewerComponents } from './bootstrap-files.ts';
import { startWeft, weft } from './run-weft.ts';

const components: WeftController[] = ['source-controller', 'kustomize-controller', 'notification-controller'];
const missing = components.find((name) => !existsSync(join(imagesDir(), name, 'index.json')));
const unavailable =
  realNodeUnavailable() ??
  (missing ? `no ${missing} image in ${imagesDir()} (e2e/run setup builds it)` : undefined);

const namespace = 'weft-system';
const repo = 'fleet';
const path = 'clusters/dev';
const componentsPath = `${path}/weft-system/weft-components.yaml`;
const auth = { username: 'fleet', password: 'fleet-secret' };
const newer = '0.2.0';

describe('weft manages itself on the real node', { skip: unavailable }, () => {
  let cluster: Cluster;
  let client: Client;
  let registry: OciRegistry;
  let http: GitHttpServer;
  let ssh: GitSshServer;
  let dir: string;
  let valuesPath: string;
  const started = Date.now();

  const global = () => ['--kubeconfig', cluster.kubeconfigPath, '--namespace', namespace, '--timeout', '5m'];
  const deployment = (name: string) =>
    client.find({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  const head = () => http.revParse(repo, 'main');

  async function kustomization() {
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

  /** The Kustomization has applied `revision` and is Ready. */
  const appliedAt = async (revision: string) => {
    const status = await kustomization();
    const ready = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    return status.lastAppliedRevision === `main@sha1:${revision}` && ready ? true : undefined;
  };

  /** The controller's Deployment rolled out, its one pod Running on the real node with `tag`. */
  async function runsAsPod(name: string, tag: string): Promise<true | undefined> {
    const current = await deployment(name);
    if (!current || !deploymentRolledOut(current as never)) return undefined;
    const pods = await client.list({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace,
      labelSelector: `app=${name}`,
    });
    const live = pods.items.filter((pod) => !pod.metadata.deletionTimestamp);
    const pod = live[0] as
      | (KubeObject & { spec: { nodeName?: string; containers: Array<{ image: string }> } })
      | undefined;
    const phase = (pod?.status as { phase?: string } | undefined)?.phase;
    if (live.length !== 1 || phase !== 'Running') return undefined;
    assert.equal(pod?.spec.nodeName, realNodeName);
    return pod?.spec.containers[0]?.image === `${registry.host}/weft/${name}:${tag}` ? true : undefined;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-self-'));
    cluster = await startCluster({ name: 'weft-cli-self', nodes: 1, realNode: true });
    client = new Client(RestConfig.fromFiles(cluster.kubeconfigPath), { fieldManager: 'e2e' });
    registry = await startOciRegistry();
    await cluster.realNode?.trustRegistry(registry.host);
    await pushWeftImages(registry, components);
    // The "newer release": the same images under the next tag, so an upgrade rolls every pod.
    for (const name of components)
      await pushImageLayout({ url: registry.url }, join(imagesDir(), name), `weft/${name}`, newer);
    const ports = await allocatePorts(components);
    // The harness's values without what the flags say (controllers, tag): those stay weft's flags.
    const values = inClusterValues({ cluster, registryHost: registry.host, components, ports });
    delete (values.image as Record<string, unknown>).tag;
    for (const name of components) delete (values[name] as Record<string, unknown>).enabled;
    for (const name of Object.keys(values)) {
      const controller = values[name] as Record<string, unknown>;
      if (name.endsWith('-controller') && Object.keys(controller).length === 1) delete values[name];
    }
    valuesPath = join(dir, 'values.json');
    await writeFile(valuesPath, JSON.stringify(values, null, 2));
    http = await startGitHttpServer({ auth });
    ssh = await startGitSshServer();
    // No patch of the Namespace's Pod Security label: the values' hostNetwork: true makes the
    // committed Namespace privileged (restricted, the default, would refuse every pod).
    await http.createRepo(repo, { 'README.md': '# fleet\n' });
  });
  after(async () => {
    await http?.stop();
    await ssh?.stop();
    await registry?.stop();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    console.log(`# weft manages itself: ${Math.round((Date.now() - started) / 1000)} s in all`);
  });

  it('bootstraps over HTTP: every controller runs as a pod and the Kustomization is Ready', async (t) => {
    const began = Date.now();
    const result = await weft([
      'bootstrap',
      'git',
      ...global(),
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
      '--components',
      components.join(','),
      '--values',
      valuesPath,
    ]);
    assert.equal(result.code, 0, result.stderr);
    t.diagnostic(`bootstrap over HTTP: ${Date.now() - began} ms`);
    t.diagnostic(result.stderr);
    for (const name of components) assert.ok(await runsAsPod(name, '0.1.0'), `${name} does not run as a pod`);
    assert.ok(await appliedAt(await head()), 'the Kustomization has not applied the pushed commit');
    const live = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    assert.equal(live.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
    const checked = await weft(['check', ...global(), '--components', components.join(',')]);
    assert.equal(checked.code, 0, checked.stderr);
  });

  it("applies a commit changing kustomize-controller's --concurrent to its own Deployment, which rolls", async () => {
    const text = await http.repos.readFile(repo, 'main', componentsPath);
    const commit = await http.commit(
      repo,
      { [componentsPath]: addConcurrentFlag(text, 7) },
      'kustomize-controller: 7 at once',
    );
    await eventually(
      'the new kustomize-controller pod with --concurrent=7',
      async () => {
        if (!containerArgs(await deployment('kustomize-controller')).includes('--concurrent=7'))
          return undefined;
        if (!(await runsAsPod('kustomize-controller', '0.1.0'))) return undefined;
        const { pid } = await nodeProcess(cluster, 'weft-kustomize-controller.js');
        return (
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--concurrent=7') || undefined
        );
      },
      240_000,
    );
    // The new process reconciles the commit that rolled it.
    await eventually('the Kustomization Ready at the commit', () => appliedAt(commit), 120_000);
  });

  it('applies an app committed under the same path', async () => {
    await http.commit(repo, { [app.file(path)]: app.manifest }, 'an app');
    await eventually('the app ConfigMap', () => client.find(app.object), 120_000);
  });

  it('prunes notification-controller when a commit drops it, and keeps its CRDs', async () => {
    const kept: WeftController[] = ['source-controller', 'kustomize-controller'];
    const text = addConcurrentFlag(
      await fewerComponents({ namespace, components: kept, valuesFiles: [valuesPath] }),
      7,
    );
    assert.notEqual(text, await http.repos.readFile(repo, 'main', componentsPath));
    const commit = await http.commit(repo, { [componentsPath]: text }, 'no notifications');
    await eventually('the Kustomization Ready at the commit', () => appliedAt(commit), 180_000);
    await eventually(
      'notification-controller and its pod to be gone',
      async () => {
        if (await deployment('notification-controller')) return undefined;
        const pods = await client.list({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace,
          labelSelector: 'app=notification-controller',
        });
        return pods.items.length === 0 || undefined;
      },
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
    for (const name of kept) assert.ok(await runsAsPod(name, '0.1.0'), `${name} stopped running`);
  });

  it(`bootstrapping again over SSH with --version ${newer} upgrades every controller through Git`, async (t) => {
    const began = Date.now();
    const kept: WeftController[] = ['source-controller', 'kustomize-controller'];
    // The same repository over SSH (git-shell serves the path given).
    const sshUrl = `ssh://${ssh.user}@127.0.0.1:${ssh.port}${http.repos.path(repo)}`;
    const run = startWeft(
      [
        'bootstrap',
        'git',
        ...global(),
        '--url',
        sshUrl,
        '--path',
        path,
        '--interval',
        '5s',
        '--components',
        kept.join(','),
        '--version',
        newer,
        '--values',
        valuesPath,
      ],
      // Pushing uses the user's own ssh setup; the cluster gets a deploy key of its own.
      { env: { GIT_SSH_COMMAND: await ssh.sshCommand() } },
    );
    const publicKey = await eventually(
      'the deploy key to be printed',
      async () => /^ssh-ed25519 \S+ .*$/m.exec(run.stdout())?.[0],
      300_000,
    );
    await ssh.authorize(publicKey);
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    t.diagnostic(`bootstrap over SSH with ${newer}: ${Date.now() - began} ms`);
    t.diagnostic(result.stderr);

    assert.deepEqual((await http.repos.git(repo, ['log', '--format=%s', '-2', 'main'])).trim().split('\n'), [
      'Add weft sync manifests',
      `Add weft ${newer} component manifests`,
    ]);
    const source = await client.get({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      namespace,
      name: namespace,
    });
    assert.equal((source.spec as { url: string }).url, sshUrl);
    // The HTTPS credentials went with the move to SSH; the deploy key stayed.
    const secret = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: namespace });
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ['identity', 'identity.pub', 'known_hosts']);
    assert.ok(await appliedAt(await head()), 'the Kustomization has not applied the pushed commit over SSH');
    for (const name of kept) assert.ok(await runsAsPod(name, newer), `${name} does not run ${newer}`);
    const version = await weft(['version', ...global()]);
    assert.equal(version.code, 0, version.stderr);
    for (const name of kept)
      assert.match(version.stdout, new RegExp(`^${name}: ${newer.replace(/\./g, '\\.')}$`, 'm'));
    assert.ok(await client.find(app.object), 'the app went away with the upgrade');
  });
});
