/**
 * Dependencies of charts from a GitRepository, fetched as `helm dependency build` would: from an
 * HTTP repository behind basic auth (through the matching HelmRepository's Secret), from an
 * anonymous HTTP repository by URL alone, from an OCI registry, from `file://`, and vendored.
 * Real apiserver, real git server, static HTTP Helm repositories and Debian's registry; the charts
 * are made by the real `helm package` and `helm push`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fetchArtifact } from '@weft/artifact';
import {
  type GitHttpServer,
  type OciRegistry,
  type StaticHttpServer,
  startGitHttpServer,
  startOciRegistry,
  startStaticHttpServer,
  testNamespace,
  toolPath,
  useCluster,
} from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { installCrds, type KubeConfig } from './helpers.ts';
import { conditionOf, createSecret, SourceKind, startController } from './oci-helpers.ts';

const exec = promisify(execFile);
const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'helmdeps');
const auth = { username: 'deps', password: 'dependency-pw-4' };
const shard = `sc-${randomBytes(3).toString('hex')}`;

let client: Client;
let controller: Manager;
let privateRepo: StaticHttpServer;
let publicRepo: StaticHttpServer;
let registry: OciRegistry;
let git: GitHttpServer;
let work: string;

/** `helm package` of a one-template chart into `out`; returns the tarball's path. */
async function packageChart(name: string, version: string, out: string): Promise<string> {
  const dir = join(work, `${name}-${version}`, name);
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  await writeFile(join(dir, 'templates/cm.yaml'), 'kind: ConfigMap\n');
  await mkdir(out, { recursive: true });
  await exec(toolPath('helm'), ['package', dir, '-d', out], {
    env: { PATH: process.env.PATH ?? '', HOME: work },
  });
  return join(out, `${name}-${version}.tgz`);
}

async function indexRepo(server: StaticHttpServer): Promise<void> {
  await exec(toolPath('helm'), ['repo', 'index', server.root, '--url', server.baseUrl], {
    env: { PATH: process.env.PATH ?? '', HOME: work },
  });
}

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  work = await mkdtemp(join(tmpdir(), 'weft-sc-helmdeps-'));
  privateRepo = await startStaticHttpServer({ auth });
  publicRepo = await startStaticHttpServer();
  registry = await startOciRegistry();
  git = await startGitHttpServer();
  for (const version of ['2.0.0', '2.1.0', '2.2.0']) await packageChart('web', version, privateRepo.root);
  await indexRepo(privateRepo);
  await packageChart('cache', '1.4.0', publicRepo.root);
  await indexRepo(publicRepo);
  const db = await packageChart('db', '3.1.0', join(work, 'oci'));
  await exec(toolPath('helm'), ['push', db, `oci://${registry.host}/charts`, '--plain-http'], {
    env: { PATH: process.env.PATH ?? '', HOME: work },
  });
  controller = await startController(kubeConfig, join(work, 'storage'), shard);
});

after(async () => {
  await controller?.stop();
  await privateRepo?.stop();
  await publicRepo?.stop();
  await registry?.stop();
  await git?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('HelmChart dependencies', () => {
  it('fetches HTTP (with the HelmRepository Secret, at the Chart.lock version), HTTP by URL, OCI and file:// dependencies', async () => {
    const repositories = new SourceKind(client, 'HelmRepository', namespace, shard);
    const gitRepositories = new SourceKind(client, 'GitRepository', namespace, shard);
    const charts = new SourceKind(client, 'HelmChart', namespace, shard);
    await createSecret(client, namespace, 'web-auth', auth);
    await repositories.create('web', { url: privateRepo.baseUrl, secretRef: { name: 'web-auth' } });
    await repositories.create('db', { type: 'oci', url: `oci://${registry.host}/charts`, insecure: true });
    await repositories.waitReady('web');
    await git.createRepo('umbrella', {
      'charts/umbrella/Chart.yaml': [
        'apiVersion: v2',
        'name: umbrella',
        'version: 0.1.0',
        'dependencies:',
        `  - {name: web, version: 2.x, repository: ${privateRepo.baseUrl}}`,
        `  - {name: cache, version: ~1.4, repository: ${publicRepo.baseUrl}}`,
        `  - {name: db, version: ">=3", repository: oci://${registry.host}/charts}`,
        '  - {name: common, version: 0.x, repository: file://../common}',
        '  - {name: vendored, version: 1.x, repository: https://unreachable.invalid}',
        '',
      ].join('\n'),
      'charts/umbrella/Chart.lock': `dependencies:\n- {name: web, repository: ${privateRepo.baseUrl}, version: 2.1.0}\n`,
      'charts/umbrella/charts/vendored/Chart.yaml': 'apiVersion: v2\nname: vendored\nversion: 1.0.0\n',
      'charts/umbrella/templates/cm.yaml': 'kind: ConfigMap\n',
      'charts/common/Chart.yaml': 'apiVersion: v2\nname: common\nversion: 0.2.0\n',
    });
    await gitRepositories.create('umbrella', { url: git.url('umbrella'), ref: { branch: 'main' } });
    await gitRepositories.waitReady('umbrella');
    await charts.create('umbrella', {
      chart: 'charts/umbrella',
      sourceRef: { kind: 'GitRepository', name: 'umbrella' },
    });
    const obj = await charts.waitReady('umbrella', '0.1.0');
    const artifact = obj.status?.artifact;
    assert.ok(artifact);
    const dir = join(work, 'out');
    await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir });
    assert.deepEqual((await readdir(join(dir, 'umbrella/charts'))).sort(), [
      'cache-1.4.0.tgz',
      'common',
      'db-3.1.0.tgz',
      'vendored',
      'web-2.1.0.tgz',
    ]);
    // The real helm reads the packaged umbrella with its dependencies.
    const shown = await exec(toolPath('helm'), ['dependency', 'list', join(dir, 'umbrella')], {
      env: { PATH: process.env.PATH ?? '', HOME: work },
    });
    for (const name of ['web', 'cache', 'db', 'common', 'vendored'])
      assert.match(shown.stdout, new RegExp(`^${name}\\s.*\\s(ok|unpacked)\\s*$`, 'm'), shown.stdout);
  });

  it('a dependency that cannot be found says which and where', async () => {
    const gitRepositories = new SourceKind(client, 'GitRepository', namespace, shard);
    const charts = new SourceKind(client, 'HelmChart', namespace, shard);
    await git.createRepo('broken', {
      'app/Chart.yaml': `apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - {name: cache, version: 9.x, repository: ${publicRepo.baseUrl}}\n`,
    });
    await gitRepositories.create('broken', { url: git.url('broken'), ref: { branch: 'main' } });
    await gitRepositories.waitReady('broken');
    await charts.create('broken', { chart: 'app', sourceRef: { kind: 'GitRepository', name: 'broken' } });
    const failed = await charts.waitNotReady('broken', 'ChartPackageFailed');
    assert.match(
      conditionOf(failed, 'Ready')?.message ?? '',
      /dependency 'cache' from http:\/\/127\.0\.0\.1:\d+: no 'cache' chart version matches '9\.x'/,
    );
  });
});
