/**
 * The whole loop with the controllers as processes, as deployed: a new tag pushed to the real
 * registry → the ImageRepository scan finds it → the ImagePolicy picks it → image-automation-
 * controller commits and pushes it → source-controller fetches the commit → kustomize-controller
 * applies it → the Deployment runs the new image.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ImageApiVersion, KustomizeApiVersion, Label, SourceApiVersion } from '@weft/api';
import {
  freePort,
  startGitHttpServer,
  startOciRegistry,
  testNamespace,
  useCluster,
  waitUntil,
  weftProcess,
} from '@weft/e2e';
import { RegistryClient } from '@weft/oci';
import { Client, type KubeObject } from '@weft/runtime/client';
import { createSecret, eventually, installCrds, waitForStatus } from './automation-harness.ts';
import { pushTags } from './reflector-helpers.ts';

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig, { fieldManager: 'iua-loop-test' });
await installCrds(client);
const namespace = await testNamespace(kubeConfig, 'iua-loop');
const shard = `iua-${randomBytes(3).toString('hex')}`;
const labels = { [Label.ShardKey]: shard };
const dir = await mkdtemp(join(tmpdir(), 'iua-loop-'));
const credentials = { username: 'robot', password: 'loop-pass' };
const git = await startGitHttpServer({ auth: credentials });
const registry = await startOciRegistry();
const publisher = new RegistryClient({ registry: registry.host, insecure: true });
const imageName = `${registry.host}/loop/web`;

const healthPorts = {
  source: await freePort(),
  kustomize: await freePort(),
  image: await freePort(),
};
const common = (healthPort: number) => [
  `--kubeconfig=${cluster.kubeconfigPath}`,
  '--metrics-addr=127.0.0.1:0',
  `--health-addr=127.0.0.1:${healthPort}`,
  `--watch-label-selector=${Label.ShardKey}=${shard}`,
];
const controllers = [
  weftProcess(
    'source-controller',
    [
      ...common(healthPorts.source),
      `--storage-path=${join(dir, 'artifacts')}`,
      `--storage-addr=127.0.0.1:${await freePort()}`,
    ],
    { logFile: join(dir, 'source-controller.log') },
  ),
  weftProcess('kustomize-controller', common(healthPorts.kustomize), {
    logFile: join(dir, 'kustomize-controller.log'),
  }),
  weftProcess(
    'image-automation-controller',
    [...common(healthPorts.image), `--storage-path=${join(dir, 'tags')}`],
    { env: { TMPDIR: dir }, logFile: join(dir, 'image-automation-controller.log') },
  ),
];
for (const controller of controllers) controller.start();

/**
 * Each controller up with its caches synced (`/readyz`), before the clock of any step starts: on
 * a loaded machine (CI runs two packages' e2e at once on two cores) three Node processes take tens
 * of seconds to start, which the first step's wait used to absorb (53 s of its 90 s at load 40).
 */
async function controllersReady(): Promise<void> {
  const ports = [healthPorts.source, healthPorts.kustomize, healthPorts.image];
  await Promise.all(
    controllers.map((controller, i) =>
      waitUntil(
        `${controller.spec.name} ready (/readyz on 127.0.0.1:${ports[i]})`,
        async () => ((await fetch(`http://127.0.0.1:${ports[i]}/readyz`)).ok ? true : undefined),
        { timeoutMs: 300_000, intervalMs: 500, abort: controller.crashed() },
      ),
    ),
  );
}

after(async () => {
  // Deleted while the controllers run, so their finalizers go before the namespace does.
  const refs = [
    { apiVersion: KustomizeApiVersion, kind: 'Kustomization', namespace, name: 'apps' },
    { apiVersion: ImageApiVersion, kind: 'ImageUpdateAutomation', namespace, name: 'apps' },
    { apiVersion: ImageApiVersion, kind: 'ImagePolicy', namespace, name: 'web' },
    { apiVersion: ImageApiVersion, kind: 'ImageRepository', namespace, name: 'web' },
    { apiVersion: SourceApiVersion, kind: 'GitRepository', namespace, name: 'apps' },
  ];
  for (const ref of refs) await client.delete(ref).catch(() => {});
  await eventually('finalized', async () => {
    for (const ref of refs) if (await client.find(ref)) return undefined;
    return true;
  }).catch(() => {});
  await Promise.all(controllers.map((controller) => controller.stop()));
  await git.stop();
  publisher.close();
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

const manifest = (image: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    `  namespace: ${namespace}`,
    'spec:',
    '  replicas: 1',
    '  selector: {matchLabels: {app: web}}',
    '  template:',
    '    metadata: {labels: {app: web}}',
    '    spec:',
    '      containers:',
    '        - name: web',
    `          image: ${image} # {"$imagepolicy": "${namespace}:web"}`,
    '',
  ].join('\n');

async function deploymentImage(): Promise<string | undefined> {
  const deployment = await client.find<
    KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }
  >({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace,
    name: 'web',
  });
  return deployment?.spec?.template?.spec?.containers?.[0]?.image;
}

test('a new image of a policy reaches the Deployment through a commit in Git', async () => {
  await controllersReady();
  await pushTags(publisher, 'loop/web', ['1.0.0']);
  await git.createRepo('apps', { 'deploy/web.yaml': manifest(`${imageName}:1.0.0`) });
  await createSecret(client, namespace, 'git-auth', credentials);
  await client.create({
    apiVersion: SourceApiVersion,
    kind: 'GitRepository',
    metadata: { name: 'apps', namespace, labels },
    spec: { url: git.url('apps'), interval: '2s', ref: { branch: 'main' }, secretRef: { name: 'git-auth' } },
  });
  await client.create({
    apiVersion: KustomizeApiVersion,
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace, labels },
    spec: {
      interval: '1h',
      prune: true,
      path: './deploy',
      sourceRef: { kind: 'GitRepository', name: 'apps' },
    },
  });
  await eventually('the first image applied', async () =>
    (await deploymentImage()) === `${imageName}:1.0.0` ? true : undefined,
  );

  await client.create({
    apiVersion: ImageApiVersion,
    kind: 'ImageRepository',
    metadata: { name: 'web', namespace, labels },
    spec: { image: imageName, interval: '2s', insecure: true },
  });
  await client.create({
    apiVersion: ImageApiVersion,
    kind: 'ImagePolicy',
    metadata: { name: 'web', namespace, labels },
    spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } },
  });
  const policyPicks = (tag: string) =>
    eventually(`the policy picks ${tag}`, async () => {
      const policy = await client.find<KubeObject & { status?: { latestRef?: { tag?: string } } }>({
        apiVersion: ImageApiVersion,
        kind: 'ImagePolicy',
        namespace,
        name: 'web',
      });
      return policy?.status?.latestRef?.tag === tag ? true : undefined;
    });
  await policyPicks('1.0.0');
  // The new image CI would push; the next scan (every 2 s) finds it.
  await pushTags(publisher, 'loop/web', ['1.1.0']);
  // The automation is created once the policy has moved: a policy change racing the
  // automation's first run can go unnoticed until its interval (open in issue 16's note), and
  // this test is about the loop, registry → policy → commit → cluster.
  await policyPicks('1.1.0');
  await client.create({
    apiVersion: ImageApiVersion,
    kind: 'ImageUpdateAutomation',
    metadata: { name: 'apps', namespace, labels },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'apps' },
      interval: '1h',
      update: { path: './deploy', strategy: 'Setters' },
      git: { commit: { author: { name: 'Image Bot', email: 'bot@example.invalid' } } },
    },
  });
  const status = await waitForStatus(
    client,
    namespace,
    'apps',
    'pushed',
    (s) => s.lastPushCommit !== undefined,
    120_000,
  );
  assert.equal(status.lastPushCommit, await git.revParse('apps', 'refs/heads/main'));
  await eventually(
    'the new image applied',
    async () => ((await deploymentImage()) === `${imageName}:1.1.0` ? true : undefined),
    120_000,
  );
  // The cluster runs what the automation pushed last: the Kustomization is at the branch head,
  // and the head is the automation's last push. (One run here saw a second push after the
  // first; issue 16's note has it.)
  await eventually('the Kustomization at the last pushed commit', async () => {
    const head = await git.revParse('apps', 'refs/heads/main');
    const ks = await client.get<KubeObject & { status?: { lastAppliedRevision?: string } }>({
      apiVersion: KustomizeApiVersion,
      kind: 'Kustomization',
      namespace,
      name: 'apps',
    });
    const automation = await client.get<KubeObject & { status?: { lastPushCommit?: string } }>({
      apiVersion: ImageApiVersion,
      kind: 'ImageUpdateAutomation',
      namespace,
      name: 'apps',
    });
    return ks.status?.lastAppliedRevision === `main@sha1:${head}` &&
      automation.status?.lastPushCommit === head
      ? true
      : undefined;
  });
});
