import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  Annotation,
  crds,
  KustomizationKind,
  KustomizeApiVersion,
  Label,
  OCIRepositoryKind,
  SourceApiVersion,
} from '@weft/api';
import {
  eventually,
  freePort,
  type ManagedProcess,
  nodeEntry,
  type OciRegistry,
  repoRoot,
  startOciRegistry,
  testNamespace,
  useCluster,
  weftProcess,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';

// CI publishes manifests with `weft-artifact push artifact`; source-controller turns the tag into
// an artifact and kustomize-controller applies it: both controllers as processes, as deployed.
const run = promisify(execFile);
const cluster = await useCluster();
const namespace = await testNamespace(await cluster.kubeConfig(), 'oci-flow');
const shard = `oci-${randomBytes(3).toString('hex')}`;
const bin = nodeEntry(join(repoRoot, 'packages', 'oci', 'bin', 'weft-artifact.js'));
let registry: OciRegistry;
let client: Client;
let dir: string;
let controllers: ManagedProcess[] = [];

before(async () => {
  client = new Client(await cluster.kubeConfig(), { fieldManager: 'oci-flow-test' });
  for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
  await eventually('OCIRepository served', () =>
    client.list({ apiVersion: SourceApiVersion, kind: OCIRepositoryKind, limit: 1 }),
  );
  dir = await mkdtemp(join(tmpdir(), 'weft-oci-flow-'));
  registry = await startOciRegistry();
  const common = [
    `--kubeconfig=${cluster.kubeconfigPath}`,
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    `--watch-label-selector=${Label.ShardKey}=${shard}`,
  ];
  const storage = `127.0.0.1:${await freePort()}`;
  controllers = [
    weftProcess(
      'source-controller',
      [...common, `--storage-path=${join(dir, 'artifacts')}`, `--storage-addr=${storage}`],
      { logFile: join(dir, 'source-controller.log') },
    ),
    weftProcess('kustomize-controller', common, { logFile: join(dir, 'kustomize-controller.log') }),
  ];
  for (const controller of controllers) controller.start();
});

after(async () => {
  // Deleted while the controllers run, so their finalizers are removed before the namespace goes.
  const refs = [
    { apiVersion: KustomizeApiVersion, kind: KustomizationKind, namespace, name: 'web' },
    { apiVersion: SourceApiVersion, kind: OCIRepositoryKind, namespace, name: 'web' },
  ];
  for (const ref of refs) await client.delete(ref).catch(() => {});
  await eventually('the objects finalized', async () => {
    const left = await Promise.all(
      refs.map((ref) =>
        client.get(ref).then(
          () => 1,
          () => 0,
        ),
      ),
    );
    return left.every((count) => count === 0) ? true : undefined;
  }).catch(() => {});
  await Promise.all(controllers.map((controller) => controller.stop()));
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function pushVersion(version: string, color: string): Promise<string> {
  const content = join(dir, `content-${version}`);
  await mkdir(content, { recursive: true });
  await writeFile(
    join(content, 'config.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: ${namespace}\ndata:\n  color: ${color}\n`,
  );
  const { stdout } = await run(
    process.execPath,
    [
      ...bin.args,
      'push',
      'artifact',
      `${registry.ociUrl('fleet/web')}:${version}`,
      `--path=${content}`,
      '--source=https://git.example/fleet',
      `--revision=main@sha1:${version}`,
      '--insecure-registry',
    ],
    { env: { ...process.env, HOME: dir } },
  );
  const digest = /@(sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
  assert.ok(digest, stdout);
  return digest;
}

async function configColor(): Promise<string | undefined> {
  try {
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace,
      name: 'web-config',
    });
    return cm.data?.color;
  } catch {
    return undefined;
  }
}

test('a pushed artifact is applied by a Kustomization; a newer tag in the semver range is applied next', async () => {
  const first = await pushVersion('1.0.0', 'blue');
  const labels = { [Label.ShardKey]: shard };
  await client.create({
    apiVersion: SourceApiVersion,
    kind: OCIRepositoryKind,
    metadata: { name: 'web', namespace, labels },
    spec: { url: registry.ociUrl('fleet/web'), ref: { semver: '1.x' }, insecure: true, interval: '1h' },
  } as KubeObject);
  await client.create({
    apiVersion: KustomizeApiVersion,
    kind: KustomizationKind,
    metadata: { name: 'web', namespace, labels },
    spec: { sourceRef: { kind: OCIRepositoryKind, name: 'web' }, path: './', interval: '1h', prune: true },
  } as KubeObject);
  await eventually('ConfigMap blue', async () => ((await configColor()) === 'blue' ? true : undefined));
  // The status is written after the apply: wait for it rather than read it once.
  const firstApplied = await eventually('lastAppliedRevision 1.0.0', async () => {
    const obj = await client.get<KubeObject & { status?: { lastAppliedRevision?: string } }>({
      apiVersion: KustomizeApiVersion,
      kind: KustomizationKind,
      namespace,
      name: 'web',
    });
    return obj.status?.lastAppliedRevision?.startsWith('1.0.0@') ? obj.status.lastAppliedRevision : undefined;
  });
  assert.equal(firstApplied, `1.0.0@${first}`);

  const second = await pushVersion('1.1.0', 'green');
  await client.patch(
    { apiVersion: SourceApiVersion, kind: OCIRepositoryKind, namespace, name: 'web' },
    { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: new Date().toISOString() } } },
  );
  await eventually('ConfigMap green', async () => ((await configColor()) === 'green' ? true : undefined));
  const applied = await eventually('lastAppliedRevision 1.1.0', async () => {
    const obj = await client.get<KubeObject & { status?: { lastAppliedRevision?: string } }>({
      apiVersion: KustomizeApiVersion,
      kind: KustomizationKind,
      namespace,
      name: 'web',
    });
    return obj.status?.lastAppliedRevision === `1.1.0@${second}` ? obj : undefined;
  });
  assert.ok(applied);
});
