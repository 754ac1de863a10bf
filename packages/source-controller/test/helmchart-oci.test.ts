/**
 * HelmChart from OCI HelmRepositories against a real apiserver and Debian's distribution
 * registry (anonymous and htpasswd), with charts the real `helm package` made and `helm push`
 * pushed, signed by the real `cosign`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fetchArtifact } from '@weft/artifact';
import { type OciRegistry, startOciRegistry, testNamespace, toolPath, useCluster } from '@weft/e2e';
import { dockerConfigFor, pushArtifact, RegistryClient } from '@weft/oci';
import { Client } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { parse } from 'yaml';
import { installCrds, type KubeConfig } from './helpers.ts';
import { conditionOf, createSecret, filesDir, SourceKind, startController } from './oci-helpers.ts';

const exec = promisify(execFile);
const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'helmoci');
const auth = { username: 'charts', password: 'chart-registry-pw-9' };
const shard = `sc-${randomBytes(3).toString('hex')}`;

let client: Client;
let controller: Manager;
let registry: OciRegistry;
let privateRegistry: OciRegistry;
let work: string;
let storageDir: string;
let repositories: SourceKind;
let charts: SourceKind;

/** `helm package` of a small chart, then `helm push` to `oci://<registry>/charts`. */
async function pushChart(target: OciRegistry, name: string, version: string): Promise<void> {
  const dir = join(work, `${name}-${version}-${randomBytes(2).toString('hex')}`);
  const chartDir = join(dir, name);
  await mkdir(join(chartDir, 'templates'), { recursive: true });
  await writeFile(join(chartDir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  await writeFile(join(chartDir, 'values.yaml'), 'replicas: 1\n');
  await writeFile(join(chartDir, 'values-prod.yaml'), 'replicas: 3\n');
  await writeFile(join(chartDir, 'templates/cm.yaml'), 'kind: ConfigMap\n');
  const env = { PATH: process.env.PATH ?? '', HOME: dir };
  await exec(toolPath('helm'), ['package', chartDir, '-d', dir], { env });
  const login = target.auth ? ['--username', target.auth.username, '--password', target.auth.password] : [];
  await exec(
    toolPath('helm'),
    ['push', join(dir, `${name}-${version}.tgz`), `oci://${target.host}/charts`, '--plain-http', ...login],
    { env },
  );
}

async function manifestDigest(target: OciRegistry, repository: string, tag: string): Promise<string> {
  const reader = new RegistryClient({ registry: target.host, insecure: true, credentials: target.auth });
  try {
    return (await reader.resolve(repository, tag)).digest;
  } finally {
    reader.close();
  }
}

async function chartFiles(obj: Awaited<ReturnType<SourceKind['get']>>): Promise<string> {
  const artifact = obj.status?.artifact;
  assert.ok(artifact, 'status.artifact');
  const dir = join(work, `x-${randomBytes(4).toString('hex')}`);
  await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir });
  return dir;
}

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  work = await mkdtemp(join(tmpdir(), 'weft-sc-helmoci-'));
  storageDir = join(work, 'storage');
  registry = await startOciRegistry({ accessLog: true });
  privateRegistry = await startOciRegistry({ auth });
  repositories = new SourceKind(client, 'HelmRepository', namespace, shard);
  charts = new SourceKind(client, 'HelmChart', namespace, shard);
  for (const version of ['1.0.0', '1.2.0', '2.0.0-rc.1']) await pushChart(registry, 'app', version);
  await pushChart(privateRegistry, 'app', '0.5.0');
  controller = await startController(kubeConfig, storageDir, shard);
  await repositories.create('public', { type: 'oci', url: `oci://${registry.host}/charts`, insecure: true });
});

after(async () => {
  await controller?.stop();
  await registry?.stop();
  await privateRegistry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('HelmChart from an OCI HelmRepository', () => {
  it('pulls the newest chart in the range pushed by helm push; an unchanged version costs a tag list and a HEAD', async () => {
    const repository = await repositories.waitReady('public');
    assert.match(conditionOf(repository, 'Ready')?.message ?? '', /OCI/);
    await charts.create('app', {
      chart: 'app',
      version: '1.x',
      sourceRef: { kind: 'HelmRepository', name: 'public' },
      valuesFiles: ['values.yaml', 'values-prod.yaml'],
    });
    const obj = await charts.waitReady('app', '1.2.0');
    assert.equal(conditionOf(obj, 'Ready')?.message, "pulled 'app' chart with version '1.2.0'");
    assert.equal(obj.status?.artifact?.metadata?.chartName, 'app');
    const dir = await chartFiles(obj);
    const chart = parse(await readFile(join(dir, 'app/Chart.yaml'), 'utf8')) as { version: string };
    assert.equal(chart.version, '1.2.0');
    assert.deepEqual(parse(await readFile(join(dir, 'app/values.yaml'), 'utf8')), { replicas: 3 });

    const before = registry.requests().length;
    const again = await charts.reconcileNow('app');
    assert.deepEqual(registry.requests().slice(before), [
      'GET /v2/charts/app/tags/list',
      'HEAD /v2/charts/app/manifests/1.2.0',
    ]);
    assert.equal(again.status?.artifact?.digest, obj.status?.artifact?.digest);

    // A version with build metadata is tagged with _ for +.
    await pushChart(registry, 'app', '1.3.0+build.7');
    const newer = await charts.reconcileNow('app');
    assert.equal(newer.status?.artifact?.revision, '1.3.0+build.7');
  });

  it('an exact version is one HEAD; a missing chart and a non-chart artifact say what is wrong', async () => {
    await charts.create('exact', {
      chart: 'app',
      version: '1.0.0',
      sourceRef: { kind: 'HelmRepository', name: 'public' },
    });
    await charts.waitReady('exact', '1.0.0');

    await charts.create('missing', {
      chart: 'nothing-here',
      version: '*',
      sourceRef: { kind: 'HelmRepository', name: 'public' },
    });
    const missing = await charts.waitNotReady('missing', 'ChartPullFailed');
    assert.match(conditionOf(missing, 'Ready')?.message ?? '', /charts\/nothing-here/);

    const publisher = new RegistryClient({ registry: registry.host, insecure: true });
    const dir = await filesDir({ 'app.yaml': 'kind: ConfigMap\n' });
    try {
      await pushArtifact({ client: publisher, repository: 'charts/plain', tag: '1.0.0', dir });
    } finally {
      publisher.close();
      await rm(dir, { recursive: true, force: true });
    }
    await charts.create('plain', {
      chart: 'plain',
      version: '1.0.0',
      sourceRef: { kind: 'HelmRepository', name: 'public' },
    });
    const plain = await charts.waitNotReady('plain', 'ChartPullFailed');
    assert.match(
      conditionOf(plain, 'Ready')?.message ?? '',
      /is not a Helm chart: its config is application\/vnd\.cncf\.flux/,
    );
  });

  it('a registry with auth: basic-auth and dockerconfigjson Secrets work; a wrong password is AuthenticationFailed without the secret', async () => {
    await createSecret(client, namespace, 'basic', auth);
    await createSecret(
      client,
      namespace,
      'docker',
      { '.dockerconfigjson': dockerConfigFor(privateRegistry.host, auth) },
      'kubernetes.io/dockerconfigjson',
    );
    const wrongPassword = 'not-the-password-31';
    await createSecret(client, namespace, 'wrong', { username: auth.username, password: wrongPassword });
    const url = `oci://${privateRegistry.host}/charts`;
    for (const secret of ['basic', 'docker', 'wrong'])
      await repositories.create(`private-${secret}`, {
        type: 'oci',
        url,
        insecure: true,
        secretRef: { name: secret },
      });
    for (const secret of ['basic', 'docker']) {
      await charts.create(`private-${secret}`, {
        chart: 'app',
        version: '0.x',
        sourceRef: { kind: 'HelmRepository', name: `private-${secret}` },
      });
      await charts.waitReady(`private-${secret}`, '0.5.0');
    }
    await charts.create('private-wrong', {
      chart: 'app',
      version: '0.x',
      sourceRef: { kind: 'HelmRepository', name: 'private-wrong' },
    });
    const refused = await charts.waitNotReady('private-wrong', 'AuthenticationFailed');
    assert.equal(conditionOf(refused, 'FetchFailed')?.reason, 'AuthenticationFailed');
    assert.match(
      conditionOf(refused, 'Ready')?.message ?? '',
      new RegExp(privateRegistry.host.replace(/\./g, '\\.')),
    );
    assert.doesNotMatch(JSON.stringify(refused.status), new RegExp(wrongPassword));
    assert.doesNotMatch(JSON.stringify(refused.status), new RegExp(auth.password));
  });

  it('verify: a chart signed by the real cosign with the trusted key is SourceVerified; another key is refused', async () => {
    const cosign = toolPath('cosign');
    const keyPair = async (name: string) => {
      const dir = join(work, `keys-${name}`);
      await mkdir(dir);
      const env = { ...process.env, COSIGN_PASSWORD: 'test-pass', HOME: dir };
      await exec(cosign, ['generate-key-pair'], { cwd: dir, env });
      return { dir, env };
    };
    const trusted = await keyPair('trusted');
    const other = await keyPair('other');
    await createSecret(client, namespace, 'cosign-trusted', {
      'cosign.pub': await readFile(join(trusted.dir, 'cosign.pub'), 'utf8'),
    });
    await createSecret(client, namespace, 'cosign-other', {
      'cosign.pub': await readFile(join(other.dir, 'cosign.pub'), 'utf8'),
    });
    const digest = await manifestDigest(registry, 'charts/app', '1.2.0');
    await exec(
      cosign,
      [
        'sign',
        '--key',
        join(trusted.dir, 'cosign.key'),
        '--tlog-upload=false',
        '--allow-http-registry',
        '--yes',
        `${registry.host}/charts/app@${digest}`,
      ],
      { cwd: trusted.dir, env: trusted.env },
    );
    const spec = (secret: string) => ({
      chart: 'app',
      version: '1.2.0',
      sourceRef: { kind: 'HelmRepository', name: 'public' },
      verify: { provider: 'cosign', secretRef: { name: secret } },
    });
    await charts.create('signed', spec('cosign-trusted'));
    const signed = await charts.waitReady('signed', '1.2.0');
    const verified = conditionOf(signed, 'SourceVerified');
    assert.equal(verified?.status, 'True');
    assert.match(
      verified?.message ?? '',
      new RegExp(`cosign\\.pub of secret ${namespace}/cosign-trusted for digest ${digest}`),
    );

    await charts.create('signed-other', spec('cosign-other'));
    const refused = await charts.waitNotReady('signed-other', 'VerificationError');
    assert.equal(conditionOf(refused, 'SourceVerified')?.status, 'False');
    assert.equal(refused.status?.artifact, undefined, 'no artifact without a verified signature');

    await charts.create('unsigned', { ...spec('cosign-trusted'), version: '1.0.0' });
    const unsigned = await charts.waitNotReady('unsigned', 'VerificationError');
    assert.match(conditionOf(unsigned, 'Ready')?.message ?? '', /no cosign signature found/);
  });

  it('verify on a chart from another source stalls: signatures exist for OCI charts only', async () => {
    await charts.create('verify-git', {
      chart: 'charts/app',
      sourceRef: { kind: 'GitRepository', name: 'absent' },
      verify: { provider: 'cosign', secretRef: { name: 'cosign-trusted' } },
    });
    const stalled = await charts.waitNotReady('verify-git', 'UnsupportedField');
    assert.equal(conditionOf(stalled, 'Stalled')?.status, 'True');
    assert.match(conditionOf(stalled, 'Ready')?.message ?? '', /OCI HelmRepositories only/);
  });
});
