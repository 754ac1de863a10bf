/**
 * charts/weft on the real node: the controllers run as pods from the images setup built.
 * `helm install` with helm-controller off → exactly the chosen controllers run and turn Ready;
 * a GitRepository and a Kustomization are reconciled by them (the artifact fetched from the
 * source-controller pod); `helm upgrade` changing a flag rolls the Deployment and the new process
 * carries it; a SIGKILLed controller restarts in its pod and applies the next commit; `helm
 * uninstall` leaves what was applied; and kustomize-controller alone runs against a GitRepository
 * whose artifact another server provides. Prints start-to-Ready times and RSS in the pods.
 *
 * The pods use host networking (docs/e2e.md, "Running weft in the cluster in tests").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  type Cluster,
  eventually,
  type GitHttpServer,
  imagesDir,
  installWeft,
  type OciRegistry,
  realNodeName,
  realNodeUnavailable,
  startCluster,
  startGitHttpServer,
  startOciRegistry,
  startStaticHttpServer,
  toolPath,
  type WeftController,
  type WeftInstallation,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';

const run = promisify(execFile);
const chosen: WeftController[] = ['source-controller', 'kustomize-controller', 'notification-controller'];
const missing = [...chosen].find((name) => !existsSync(join(imagesDir(), name, 'index.json')));
const unavailable =
  realNodeUnavailable() ??
  (missing ? `no ${missing} image in ${imagesDir()} (e2e/run setup builds it)` : undefined);

const appNamespace = 'apps';

function configMap(greeting: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  greeting: ${greeting}\n`;
}
const webDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: example.invalid/web:1 }]
`;

function argsOf(object: KubeObject): string[] {
  const spec = object.spec as { template: { spec: { containers: Array<{ args?: string[] }> } } };
  return spec.template.spec.containers[0]?.args ?? [];
}

describe('charts/weft on the real node', { skip: unavailable }, () => {
  let cluster: Cluster;
  let registry: OciRegistry;
  let git: GitHttpServer;
  let client: Client;
  let weft: WeftInstallation | undefined;
  before(async () => {
    const nodeStarted = Date.now();
    [cluster, registry, git] = await Promise.all([
      startCluster({
        name: 'weft-in-cluster',
        realNode: true,
        onProgress: (message) => {
          if (message.includes('Ready in')) console.log(`# ${message}`);
        },
      }),
      startOciRegistry(),
      startGitHttpServer(),
    ]);
    console.log(`# cluster with a real node up in ${Date.now() - nodeStarted} ms`);
    client = new Client(await cluster.kubeConfig(), { fieldManager: 'in-cluster-test' });
  });
  after(async () => {
    await weft?.stop();
    await cluster?.stop();
    await registry?.stop();
    await git?.stop();
  });

  const kustomization = { apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization' };
  const appliedRevision = (revision: string) =>
    eventually(
      `Kustomization apps applied ${revision}`,
      async () => {
        const ks = await client.get({ ...kustomization, namespace: appNamespace, name: 'apps' });
        return (ks.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision === revision
          ? ks
          : undefined;
      },
      180_000,
    );
  const greeting = async () =>
    (
      (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNamespace, name: 'app-config' }))
        .data as Record<string, string>
    ).greeting;

  it('helm install with helm-controller off: exactly the chosen controllers run as pods and turn Ready', async () => {
    weft = await installWeft(cluster, { components: chosen, registry });
    const deployments = await client.list({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: weft.namespace,
    });
    assert.deepEqual(deployments.items.map((d) => d.metadata.name).sort(), [...chosen].sort());
    const pods = await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: weft.namespace });
    assert.equal(pods.items.length, chosen.length);
    for (const pod of pods.items) {
      assert.equal(
        (pod.spec as { nodeName?: string }).nodeName,
        realNodeName,
        `${pod.metadata.name} runs for real`,
      );
      const status = pod.status as { conditions?: Array<{ type: string; status: string }> };
      assert.ok(status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }
    for (const name of chosen) {
      const process = await weft.processOf(name);
      assert.equal(process.uid, '65532', `${name} runs as the image's user`);
      console.log(
        `# ${name}: helm install to Available ${weft.readyMs[name]} ms, RSS in its pod ${process.rssMiB} MiB`,
      );
    }
  });

  it('a GitRepository and a Kustomization are reconciled by the controllers in their pods', async () => {
    assert.ok(weft);
    const commit = await git.createRepo('fleet', {
      'app/config.yaml': configMap('hello'),
      'app/web.yaml': webDeployment,
    });
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNamespace } });
    // The tenant: kustomize-controller applies as this ServiceAccount (impersonation).
    await client.apply({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'deployer', namespace: appNamespace },
    });
    await client.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer-admin', namespace: appNamespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: appNamespace }],
    });
    await client.apply({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'fleet', namespace: appNamespace },
      spec: { url: git.url('fleet'), ref: { branch: 'main' }, interval: '5s' },
    });
    await client.apply({
      ...kustomization,
      metadata: { name: 'apps', namespace: appNamespace },
      spec: {
        interval: '5s',
        path: './app',
        prune: true,
        serviceAccountName: 'deployer',
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
      },
    });
    await appliedRevision(`main@sha1:${commit}`);
    assert.equal(await greeting(), 'hello');
    const repo = await client.get({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      namespace: appNamespace,
      name: 'fleet',
    });
    const url = (repo.status as { artifact?: { url?: string } }).artifact?.url ?? '';
    assert.ok(url.startsWith(`${weft.artifactServer}/`), `the artifact comes from the pod's server: ${url}`);
  });

  it('helm upgrade changing a flag rolls the Deployment; the new process carries the flag', async () => {
    assert.ok(weft);
    const before = await weft.processOf('kustomize-controller');
    await weft.upgrade({ 'kustomize-controller': { extraArgs: ['--concurrent=8'] } });
    const replicaSets = (
      await client.list({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        namespace: weft.namespace,
        labelSelector: 'app=kustomize-controller',
      })
    ).items;
    const revision = (rs: KubeObject) =>
      Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    replicaSets.sort((a, b) => revision(b) - revision(a));
    assert.equal(replicaSets.length, 2);
    assert.ok(argsOf(replicaSets[0] as KubeObject).includes('--concurrent=8'));
    assert.ok(!argsOf(replicaSets[1] as KubeObject).includes('--concurrent=8'));
    const after = await eventually('the new kustomize-controller process', async () => {
      const process = await weft!.processOf('kustomize-controller').catch(() => undefined);
      return process && process.pid !== before.pid ? process : undefined;
    });
    const cmdline = await readFile(`/proc/${after.pid}/cmdline`, 'utf8');
    assert.ok(cmdline.split('\0').includes('--concurrent=8'), cmdline);
  });

  it('a controller SIGKILLed in its pod restarts and applies the next commit', async () => {
    assert.ok(weft);
    const victim = await weft.processOf('kustomize-controller');
    process.kill(victim.pid, 'SIGKILL');
    const next = await git.commit('fleet', { 'app/config.yaml': configMap('again') }, 'greeting: again');
    await eventually(
      'kustomize-controller restarted in its pod',
      async () => {
        const pods = await client.list({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: weft!.namespace,
          labelSelector: 'app=kustomize-controller',
        });
        const status = pods.items[0]?.status as {
          containerStatuses?: Array<{ restartCount: number; ready: boolean }>;
        };
        const container = status?.containerStatuses?.[0];
        return container && container.restartCount >= 1 && container.ready ? true : undefined;
      },
      180_000,
    );
    await appliedRevision(`main@sha1:${next}`);
    assert.equal(await greeting(), 'again');
    assert.notEqual((await weft.processOf('kustomize-controller')).pid, victim.pid);
  });

  it('helm uninstall removes the controllers and leaves what they applied', async () => {
    assert.ok(weft);
    await weft.uninstall();
    await eventually('the controllers gone', async () =>
      (await client.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: weft!.namespace })).items
        .length === 0
        ? true
        : undefined,
    );
    assert.equal(await greeting(), 'again');
    assert.ok(
      await client.find({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: appNamespace, name: 'web' }),
    );
    assert.ok(await client.find({ ...kustomization, namespace: appNamespace, name: 'apps' }));
  });

  it('kustomize-controller alone applies a GitRepository whose artifact another server provides', async () => {
    // Here the test plays source-controller: it builds the tarball, serves it, and writes the
    // GitRepository's status.artifact, the whole contract between the two controllers.
    const root = await mkdtemp(join(tmpdir(), 'weft-other-source-'));
    const site = join(root, 'site');
    const tree = join(root, 'tree');
    await mkdir(join(tree, 'app'), { recursive: true });
    await mkdir(site, { recursive: true });
    await writeFile(
      join(tree, 'app', 'config.yaml'),
      configMap('from-elsewhere').replace('app-config', 'other-config'),
    );
    await run('tar', [
      '--sort=name',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '-czf',
      join(site, 'other.tar.gz'),
      '-C',
      tree,
      'app',
    ]);
    const bytes = await readFile(join(site, 'other.tar.gz'));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await using server = await startStaticHttpServer({ root: site });
    const alone = await installWeft(cluster, {
      components: ['kustomize-controller'],
      namespace: 'weft-kustomize-only',
      release: 'weft-kustomize',
      registry,
    });
    try {
      const names = (
        await client.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: alone.namespace })
      ).items.map((d) => d.metadata.name);
      assert.deepEqual(names, ['kustomize-controller']);
      const source = {
        apiVersion: 'source.weft.dev/v1',
        kind: 'GitRepository',
        namespace: appNamespace,
        name: 'elsewhere',
      };
      await client.apply({
        apiVersion: source.apiVersion,
        kind: source.kind,
        metadata: { name: source.name, namespace: appNamespace },
        spec: { url: 'https://git.example.invalid/elsewhere', interval: '1h' },
      });
      const revision = `main@sha1:${'e'.repeat(40)}`;
      await client.patchStatus(source, {
        artifact: {
          path: 'gitrepository/apps/elsewhere/other.tar.gz',
          url: server.url('other.tar.gz'),
          revision,
          digest,
          lastUpdateTime: new Date().toISOString(),
          size: bytes.length,
        },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: `stored artifact for revision '${revision}'`,
            lastTransitionTime: new Date().toISOString(),
            observedGeneration: 1,
          },
        ],
      });
      await client.apply({
        ...kustomization,
        metadata: { name: 'elsewhere', namespace: appNamespace },
        spec: {
          interval: '5s',
          path: './app',
          prune: true,
          serviceAccountName: 'deployer',
          sourceRef: { kind: 'GitRepository', name: 'elsewhere' },
        },
      });
      await eventually(
        'other-config applied',
        () =>
          client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNamespace, name: 'other-config' }),
        180_000,
      );
      console.log(
        `# kustomize-controller alone: helm install to Available ${alone.readyMs['kustomize-controller']} ms`,
      );
    } finally {
      await alone.stop();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('helm-controller from its image installs a HelmRelease with the helm it bundles', {
    skip: existsSync(join(imagesDir(), 'helm-controller', 'index.json'))
      ? false
      : 'no helm-controller image (e2e/run setup builds it)',
  }, async () => {
    const helmWeft = await installWeft(cluster, {
      components: ['source-controller', 'helm-controller'],
      namespace: 'weft-helm',
      release: 'weft-helm',
      registry,
    });
    try {
      const helmController = await helmWeft.processOf('helm-controller');
      console.log(
        `# helm-controller: helm install to Available ${helmWeft.readyMs['helm-controller']} ms, RSS in its pod ${helmController.rssMiB} MiB`,
      );
      await git.createRepo('charts', {
        'hello/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\n',
        'hello/templates/configmap.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hello\ndata:\n  greeting: {{ .Values.greeting }}\n',
      });
      await client.apply({
        apiVersion: 'source.weft.dev/v1',
        kind: 'GitRepository',
        metadata: { name: 'charts', namespace: appNamespace },
        spec: { url: git.url('charts'), ref: { branch: 'main' }, interval: '10m' },
      });
      await client.apply({
        apiVersion: 'helm.weft.dev/v1',
        kind: 'HelmRelease',
        metadata: { name: 'hello', namespace: appNamespace },
        spec: {
          interval: '10m',
          serviceAccountName: 'deployer',
          chart: { spec: { chart: './hello', sourceRef: { kind: 'GitRepository', name: 'charts' } } },
          values: { greeting: 'from-the-pod' },
        },
      });
      const configMap = await eventually(
        'the release applied by helm-controller in its pod',
        () =>
          client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNamespace, name: 'hello-hello' }),
        180_000,
      );
      assert.equal((configMap.data as Record<string, string>).greeting, 'from-the-pod');
      const { stdout } = await run(toolPath('helm'), [
        'list',
        '--namespace',
        appNamespace,
        '--kubeconfig',
        cluster.kubeconfigPath,
        '--output',
        'json',
      ]);
      const releases = JSON.parse(stdout) as Array<{ name: string; status: string }>;
      assert.deepEqual(
        releases.map((r) => `${r.name} ${r.status}`),
        ['hello deployed'],
        'a real Helm release',
      );
    } finally {
      await helmWeft.stop();
    }
  });
});
