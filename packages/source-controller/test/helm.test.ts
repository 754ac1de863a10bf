/**
 * HelmRepository and HelmChart against a real apiserver, a static HTTP Helm repository (with
 * basic auth) whose charts the real `helm package` made, and a real git server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Label, SourceApiVersion } from '@weft/api';
import { fetchArtifact } from '@weft/artifact';
import {
  type GitHttpServer,
  run,
  type StaticHttpServer,
  startGitHttpServer,
  startStaticHttpServer,
  testNamespace,
  toolPath,
  useCluster,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { parse } from 'yaml';
import { eventually, installCrds, type KubeConfig, startController } from './helpers.ts';

const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'helmsrc');
const shard = `sc-${randomBytes(3).toString('hex')}`;
const auth = { username: 'chartuser', password: 'chart-pass' };

let client: Client;
let manager: Manager;
let repo: StaticHttpServer;
let git: GitHttpServer;
let work: string;

type SourceObject = KubeObject & {
  status?: {
    artifact?: { url: string; digest: string; revision: string; metadata?: Record<string, string> };
    conditions?: { type: string; status: string; reason: string; message: string }[];
    observedGeneration?: number;
  };
};

async function packageChart(name: string, version: string, files: Record<string, string>): Promise<void> {
  const dir = join(work, `${name}-${version}`, name);
  for (const [path, text] of Object.entries({
    'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: ${version}\n`,
    ...files,
  })) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const env = { PATH: process.env.PATH ?? '', HOME: work };
  await run(toolPath('helm'), ['package', dir, '-d', repo.root], { env });
  await run(toolPath('helm'), ['repo', 'index', repo.root, '--url', repo.baseUrl], { env });
}

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  work = await mkdtemp(join(tmpdir(), 'weft-sc-helm-'));
  repo = await startStaticHttpServer({ auth });
  git = await startGitHttpServer();
  const chartFiles = {
    'values.yaml': 'greeting: hello\nreplicas: 1\n',
    'values-prod.yaml': 'replicas: 3\n',
    'templates/cm.yaml': 'kind: ConfigMap\n',
  };
  await packageChart('app', '1.0.0', chartFiles);
  await packageChart('app', '1.2.0', chartFiles);
  await packageChart('app', '2.0.0-rc.1', chartFiles);
  manager = await startController(kubeConfig, join(work, 'storage'), shard, [
    '--min-retry-delay=300ms',
    '--max-retry-delay=3s',
  ]);
});

after(async () => {
  await manager?.stop();
  await repo?.stop();
  await git?.stop();
  await rm(work, { recursive: true, force: true });
});

async function create(kind: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await client.create({
    apiVersion: SourceApiVersion,
    kind,
    metadata: { name, namespace, labels: { [Label.ShardKey]: shard } },
    spec,
  });
}

const get = (kind: string, name: string) =>
  client.get<SourceObject>({ apiVersion: SourceApiVersion, kind, namespace, name });

function ready(obj: SourceObject) {
  return obj.status?.conditions?.find((c) => c.type === 'Ready');
}

async function waitReady(kind: string, name: string, revision?: string): Promise<SourceObject> {
  return eventually(`${kind} ${name} Ready`, async () => {
    const obj = await get(kind, name);
    const current = obj.status?.observedGeneration === obj.metadata.generation;
    const atRevision = revision === undefined || obj.status?.artifact?.revision === revision;
    return ready(obj)?.status === 'True' && current && atRevision ? obj : undefined;
  });
}

async function waitNotReady(kind: string, name: string, pattern: RegExp) {
  return eventually(`${kind} ${name} Ready=False ${pattern}`, async () => {
    const condition = ready(await get(kind, name));
    return condition?.status === 'False' && pattern.test(condition.message) ? condition : undefined;
  });
}

async function extract(obj: SourceObject): Promise<string> {
  const artifact = obj.status?.artifact;
  assert.ok(artifact);
  const dir = join(work, `x-${randomBytes(4).toString('hex')}`);
  await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir });
  return dir;
}

describe('Helm sources', () => {
  it('HelmRepository: the index behind basic auth is the artifact, revision its sha256', async () => {
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'repo-auth', namespace },
      stringData: auth,
    });
    await create('HelmRepository', 'charts', {
      url: repo.baseUrl,
      interval: '1h',
      secretRef: { name: 'repo-auth' },
    });
    const obj = await waitReady('HelmRepository', 'charts');
    const index = await readFile(join(repo.root, 'index.yaml'));
    const { createHash } = await import('node:crypto');
    assert.equal(
      obj.status?.artifact?.revision,
      `sha256:${createHash('sha256').update(index).digest('hex')}`,
    );
    const dir = await extract(obj);
    assert.deepEqual(await readFile(join(dir, 'index.yaml')), index);
  });

  it('HelmRepository: wrong credentials and an unreachable server say so', async () => {
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bad-auth', namespace },
      stringData: { username: 'chartuser', password: 'nope' },
    });
    await create('HelmRepository', 'denied', {
      url: repo.baseUrl,
      interval: '1h',
      secretRef: { name: 'bad-auth' },
    });
    const denied = await waitNotReady('HelmRepository', 'denied', /401/);
    assert.equal(denied.reason, 'AuthenticationFailed');
    assert.match(denied.message, /check the credentials in spec.secretRef/);
    assert.doesNotMatch(denied.message, /nope/);
    await create('HelmRepository', 'down', { url: 'http://127.0.0.1:9', interval: '1h', timeout: '3s' });
    await waitNotReady('HelmRepository', 'down', /cannot connect to http:\/\/127.0.0.1:9\/index.yaml/);
  });

  it('HelmChart from a HelmRepository: newest match of the range, values files merged', async () => {
    await create('HelmChart', 'app', {
      chart: 'app',
      version: '1.x',
      sourceRef: { kind: 'HelmRepository', name: 'charts' },
      interval: '1h',
      valuesFiles: ['values.yaml', 'values-prod.yaml'],
    });
    const obj = await waitReady('HelmChart', 'app', '1.2.0');
    assert.equal(obj.status?.artifact?.metadata?.chartName, 'app');
    const dir = await extract(obj);
    assert.deepEqual(parse(await readFile(join(dir, 'app', 'values.yaml'), 'utf8')), {
      greeting: 'hello',
      replicas: 3,
    });
    await create('HelmChart', 'no-such', {
      chart: 'app',
      version: '>=3',
      sourceRef: { kind: 'HelmRepository', name: 'charts' },
      interval: '1h',
    });
    await waitNotReady(
      'HelmChart',
      'no-such',
      /no 'app' chart version matches '>=3' \(the repository index has/,
    );
  });

  it('HelmChart from a GitRepository: packaged deterministically, Revision strategy, no escapes', async () => {
    const commit = await git.createRepo('charts', {
      'charts/app/Chart.yaml': '# the app chart\napiVersion: v2\nname: app\nversion: 0.3.0\n',
      'charts/app/values.yaml': 'a: 1\n',
      'charts/app/templates/cm.yaml': 'kind: ConfigMap\n',
      'env/prod.yaml': 'a: 2\n',
    });
    await create('GitRepository', 'charts', {
      url: git.url('charts'),
      interval: '1h',
      ref: { branch: 'main' },
    });
    await waitReady('GitRepository', 'charts');
    const spec = {
      chart: 'charts/app',
      sourceRef: { kind: 'GitRepository', name: 'charts' },
      interval: '1h',
    };
    await create('HelmChart', 'git-a', spec);
    await create('HelmChart', 'git-b', spec);
    const a = await waitReady('HelmChart', 'git-a', '0.3.0');
    const b = await waitReady('HelmChart', 'git-b', '0.3.0');
    assert.equal(a.status?.artifact?.digest, b.status?.artifact?.digest, 'same content, same bytes');

    await create('HelmChart', 'git-rev', {
      ...spec,
      reconcileStrategy: 'Revision',
      valuesFiles: ['charts/app/values.yaml', 'env/prod.yaml'],
    });
    const rev = await waitReady('HelmChart', 'git-rev', `0.3.0+${commit.slice(0, 12)}`);
    const dir = await extract(rev);
    const chartYaml = await readFile(join(dir, 'app', 'Chart.yaml'), 'utf8');
    assert.match(chartYaml, /# the app chart/);
    assert.match(chartYaml, new RegExp(`version: 0.3.0\\+${commit.slice(0, 12)}`));
    assert.deepEqual(parse(await readFile(join(dir, 'app', 'values.yaml'), 'utf8')), { a: 2 });

    await create('HelmChart', 'escape', { ...spec, chart: '../outside' });
    await waitNotReady(
      'HelmChart',
      'escape',
      /spec.chart '..\/outside' must be a relative path inside the source/,
    );
    await create('HelmChart', 'missing-values', { ...spec, valuesFiles: ['env/missing.yaml'] });
    await waitNotReady(
      'HelmChart',
      'missing-values',
      /values file 'env\/missing.yaml' \(spec.valuesFiles\) is not in the source/,
    );
  });
});
