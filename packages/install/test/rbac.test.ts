/**
 * The ClusterRoles are enough, and no more: the controllers run as processes with the tokens of
 * their own ServiceAccounts (from the TokenRequest API, so the API server authorizes every call
 * as the installation would in a pod), and a GitRepository → Kustomization → Alert chain works.
 * A Kustomization with a serviceAccountName is applied as that tenant (kustomize-controller holds
 * only `impersonate`); one without is refused, since cluster-admin is an opt-in.
 *
 * On a control plane of its own: other packages' tests run in-process controllers with admin
 * credentials over every namespace of the shared one, and would reconcile these objects too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Cluster,
  eventually,
  freePort,
  type GitHttpServer,
  type ManagedProcess,
  startCluster,
  startGitHttpServer,
  startWebhookSink,
  toolPath,
  type WebhookSink,
  weftProcess,
} from '@weft/e2e';
import { Client, type KubeObject, RestConfig } from '@weft/runtime/client';
import { parse, stringify } from 'yaml';
import { type ComponentName, renderObjects } from '../src/index.ts';

const cluster: Cluster = await startCluster({ name: 'weft-install-rbac', nodes: 1 });
const admin = new Client(RestConfig.fromFiles(cluster.kubeconfigPath), { fieldManager: 'e2e' });
const suffix = randomBytes(3).toString('hex');
const namespace = `weft-rbac-${suffix}`;
const tenant = `tenant-${suffix}`;
const dir = await mkdtemp(join(tmpdir(), 'weft-rbac-'));
const processes: ManagedProcess[] = [];
let git: GitHttpServer;
let sink: WebhookSink;

/** The objects a pod-less installation needs: namespace, CRDs, ServiceAccounts and RBAC. */
const rbacKinds = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
]);

async function tokenKubeconfig(serviceAccount: string): Promise<string> {
  const response = await admin.transport.request({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    context: `token of ${serviceAccount}`,
  });
  const token = (response.body as { status: { token: string } }).status.token;
  const adminConfig = parse(await readFile(cluster.kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: Record<string, unknown> }>;
  };
  const path = join(dir, `${serviceAccount}.kubeconfig`);
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: adminConfig.clusters[0]?.cluster }],
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'e2e', user: serviceAccount } }],
      'current-context': 'sa',
    }),
  );
  return path;
}

async function startController(name: ComponentName, args: string[]): Promise<void> {
  const controller = weftProcess(
    name,
    [
      `--kubeconfig=${await tokenKubeconfig(name)}`,
      '--metrics-addr=127.0.0.1:0',
      '--health-addr=127.0.0.1:0',
      '--enable-leader-election',
      ...args,
    ],
    { env: { RUNTIME_NAMESPACE: namespace }, logFile: join(dir, `${name}.log`) },
  );
  controller.start();
  processes.push(controller);
}

function readyOf(object: KubeObject | undefined): { status: string; message: string } | undefined {
  const conditions = (
    object?.status as { conditions?: Array<{ type: string; status: string; message: string }> }
  )?.conditions;
  return conditions?.find((condition) => condition.type === 'Ready');
}

async function apply(object: Record<string, unknown>): Promise<void> {
  await admin.apply(object as KubeObject, { force: true });
}

/** A Kustomization of the tenant's GitRepository, into the tenant's namespace. */
function kustomization(name: string, serviceAccountName?: string): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.weft.dev/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: tenant },
    spec: {
      interval: '10m',
      path: './',
      prune: true,
      targetNamespace: tenant,
      ...(serviceAccountName ? { serviceAccountName } : {}),
      sourceRef: { kind: 'GitRepository', name: 'app' },
    },
  };
}

before(async () => {
  for (const object of renderObjects({ namespace, values: { networkPolicy: { enabled: false } } })) {
    if (rbacKinds.has(object.kind)) await apply(object);
  }
  // The tenant: a namespace and a ServiceAccount that may edit in it, nothing more.
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: tenant } });
  await apply({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'deployer', namespace: tenant },
  });
  await apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'deployer-edit', namespace: tenant },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: tenant }],
  });
  git = await startGitHttpServer();
  await git.createRepo('app', {
    'config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  hello: world\n',
  });
  sink = await startWebhookSink();
  const storage = `127.0.0.1:${await freePort()}`;
  await startController('source-controller', [
    `--storage-path=${join(dir, 'artifacts')}`,
    `--storage-addr=${storage}`,
    `--storage-adv-addr=${storage}`,
  ]);
  await startController('kustomize-controller', []);
  await startController('notification-controller', [`--receiver-addr=127.0.0.1:${await freePort()}`]);
  await startController('helm-controller', [`--helm-binary=${toolPath('helm')}`]);
});

/** The controllers this file runs (image-automation-controller reconciles nothing yet). */
const started: ComponentName[] = [
  'source-controller',
  'kustomize-controller',
  'notification-controller',
  'helm-controller',
];

after(async () => {
  await Promise.all(processes.map((controller) => controller.stop()));
  await git?.stop();
  await sink?.stop();
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the controllers with the installation RBAC', () => {
  it('reconcile a source, apply it as the tenant, and route the events, each as its own ServiceAccount', async () => {
    await apply({
      apiVersion: 'notification.weft.dev/v1',
      kind: 'Provider',
      metadata: { name: 'hook', namespace: tenant },
      spec: { type: 'generic', address: sink.url('/hook') },
    });
    await apply({
      apiVersion: 'notification.weft.dev/v1',
      kind: 'Alert',
      metadata: { name: 'all', namespace: tenant },
      spec: { providerRef: { name: 'hook' }, eventSources: [{ kind: 'Kustomization', name: '*' }] },
    });
    await apply({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'app', namespace: tenant },
      spec: { url: git.url('app'), ref: { branch: 'main' }, interval: '10m' },
    });
    await apply(kustomization('as-tenant', 'deployer'));
    const get = (apiVersion: string, kind: string, name: string) =>
      admin.find({ apiVersion, kind, namespace: tenant, name });
    await eventually(
      'the GitRepository Ready',
      async () =>
        readyOf(await get('source.weft.dev/v1', 'GitRepository', 'app'))?.status === 'True' || undefined,
    );
    await eventually(
      'the Kustomization applied as the tenant',
      async () =>
        readyOf(await get('kustomize.weft.dev/v1', 'Kustomization', 'as-tenant'))?.status === 'True' ||
        undefined,
    );
    assert.ok(await get('v1', 'ConfigMap', 'greeting'));
    const [delivered] = await sink.waitFor((request) => request.body.includes('as-tenant'));
    assert.ok(delivered, 'notification-controller routed no event about the Kustomization');
    for (const name of started) {
      // A controller that had nothing to do yet may still be taking its Lease on a loaded machine.
      const lease = await eventually(
        `${name} to hold a Lease in ${namespace}`,
        () =>
          admin.find({
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            namespace,
            name: `${name}-leader-election`,
          }),
        60_000,
      );
      assert.ok(lease, `${name} holds no Lease in ${namespace}`);
      // Nothing a controller does on the way may have been refused (watches, status, events, Leases).
      const log = await readFile(join(dir, `${name}.log`), 'utf8');
      assert.doesNotMatch(log, /forbidden/i, `${name} was refused something:\n${log.slice(-2000)}`);
    }
  });

  it('installs a HelmRelease as the tenant: helm-controller creates the HelmChart, helm runs impersonated', async () => {
    await git.createRepo('charts', {
      'hello/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\n',
      'hello/templates/configmap.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hello\ndata:\n  greeting: {{ .Values.greeting }}\n',
    });
    await apply({
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      metadata: { name: 'charts', namespace: tenant },
      spec: { url: git.url('charts'), ref: { branch: 'main' }, interval: '10m' },
    });
    await apply({
      apiVersion: 'helm.weft.dev/v1',
      kind: 'HelmRelease',
      metadata: { name: 'hello', namespace: tenant },
      spec: {
        interval: '10m',
        serviceAccountName: 'deployer',
        chart: { spec: { chart: './hello', sourceRef: { kind: 'GitRepository', name: 'charts' } } },
        values: { greeting: 'hi' },
      },
    });
    const configMap = await eventually(
      'the release applied as the tenant',
      () => admin.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: tenant, name: 'hello-hello' }),
      180_000,
    );
    assert.equal((configMap.data as Record<string, string>).greeting, 'hi');
    const log = await readFile(join(dir, 'helm-controller.log'), 'utf8');
    assert.doesNotMatch(log, /forbidden/i, `helm-controller was refused something:\n${log.slice(-2000)}`);
  });

  it('refuses a Kustomization without a ServiceAccount: cluster-admin is opt-in', async () => {
    await apply(kustomization('as-controller'));
    const ready = await eventually('the Kustomization to fail', async () => {
      const condition = readyOf(
        await admin.find({
          apiVersion: 'kustomize.weft.dev/v1',
          kind: 'Kustomization',
          namespace: tenant,
          name: 'as-controller',
        }),
      );
      return condition?.status === 'False' ? condition : undefined;
    });
    assert.match(ready.message, /forbidden/i);
    assert.match(ready.message, new RegExp(`system:serviceaccount:${namespace}:kustomize-controller`));
  });
});
