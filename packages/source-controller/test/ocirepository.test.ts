import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildArtifact, fetchArtifact } from '@weft/artifact';
import {
  type OciRegistry,
  pushArtifact as pushRaw,
  startOciRegistry,
  testNamespace,
  useCluster,
} from '@weft/e2e';
import { dockerConfigFor, MediaType, pushArtifact, RegistryClient } from '@weft/oci';
import { Client } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { download, installCrds, type KubeConfig, sha256 } from './helpers.ts';
import {
  conditionOf,
  createSecret,
  filesDir,
  SourceKind,
  type SourceObject,
  startController,
} from './oci-helpers.ts';

const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'ocirepo');
const auth = { username: 'puller', password: 'registry-secret-7' };

let client: Client;
let controller: Manager;
let registry: OciRegistry;
let privateRegistry: OciRegistry;
let publisher: RegistryClient;
let storageDir: string;
let workDir: string;
let repos: SourceKind;
const shard = `sc-${randomBytes(3).toString('hex')}`;

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  storageDir = await mkdtemp(join(tmpdir(), 'weft-sc-storage-'));
  workDir = await mkdtemp(join(tmpdir(), 'weft-sc-work-'));
  registry = await startOciRegistry({ accessLog: true });
  privateRegistry = await startOciRegistry({ auth });
  publisher = new RegistryClient({ registry: registry.host, insecure: true });
  repos = new SourceKind(client, 'OCIRepository', namespace, shard);
  controller = await startController(kubeConfig, storageDir, shard);
});

after(async () => {
  await controller?.stop();
  publisher?.close();
  await registry?.stop();
  await privateRegistry?.stop();
  await rm(storageDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

async function push(repository: string, tag: string, files: Record<string, string>) {
  const dir = await filesDir(files);
  try {
    return await pushArtifact({
      client: publisher,
      repository,
      tag,
      dir,
      source: 'https://git.example/app',
      revision: `${tag}@sha1:0123`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function artifactFiles(obj: SourceObject): Promise<{ dir: string; files: string[] }> {
  const artifact = obj.status?.artifact;
  assert.ok(artifact, 'status.artifact');
  const bytes = await download(artifact.url);
  assert.equal(sha256(bytes), artifact.digest);
  const dir = join(workDir, randomBytes(4).toString('hex'));
  await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir });
  return { dir, files: (await readdir(dir, { recursive: true })).sort() };
}

describe('OCIRepository', () => {
  it('publishes a pushed artifact at <tag>@<digest>; an unchanged digest costs one manifest HEAD and no blob', async () => {
    const pushed = await push('apps/web', 'v1.0.0', {
      'deploy/app.yaml': 'kind: ConfigMap\n',
      'logo.png': 'png',
    });
    await repos.create('web', { url: registry.ociUrl('apps/web'), ref: { tag: 'v1.0.0' }, insecure: true });
    const obj = await repos.waitReady('web', `v1.0.0@${pushed.digest}`);
    assert.equal(
      conditionOf(obj, 'Ready')?.message,
      `stored artifact for revision 'v1.0.0@${pushed.digest}'`,
    );
    assert.equal(conditionOf(obj, 'ArtifactInStorage')?.status, 'True');
    assert.equal(
      obj.status?.artifact?.metadata?.['org.opencontainers.image.source'],
      'https://git.example/app',
    );
    assert.equal(obj.status?.url, obj.status?.artifact?.url);
    const { dir, files } = await artifactFiles(obj);
    assert.deepEqual(files, ['deploy', 'deploy/app.yaml'], 'the default ignore list drops logo.png');
    assert.equal(await readFile(join(dir, 'deploy/app.yaml'), 'utf8'), 'kind: ConfigMap\n');

    const before = registry.requests().length;
    const again = await repos.reconcileNow('web');
    const made = registry.requests().slice(before);
    assert.deepEqual(made, ['HEAD /v2/apps/web/manifests/v1.0.0'], 'one HEAD, no GET of manifest or blob');
    assert.equal(again.status?.artifact?.digest, obj.status?.artifact?.digest);

    // A second object of the same artifact resolves the tag itself (its own credentials), and
    // shares the manifest and the artifact built from the layer: one HEAD, nothing else.
    const beforeSecond = registry.requests().length;
    await repos.create('web-2', { url: registry.ociUrl('apps/web'), ref: { tag: 'v1.0.0' }, insecure: true });
    const second = await repos.waitReady('web-2', `v1.0.0@${pushed.digest}`);
    assert.equal(second.status?.artifact?.digest, obj.status?.artifact?.digest);
    assert.deepEqual(registry.requests().slice(beforeSecond), ['HEAD /v2/apps/web/manifests/v1.0.0']);
  });

  it('follows a semver range (with semverFilter) to a newly pushed tag', async () => {
    await push('apps/semver', '1.0.0', { 'a.yaml': 'v: 1\n' });
    await push('apps/semver', '2.0.0', { 'a.yaml': 'v: 2\n' });
    const first = await push('apps/semver', '1.1.0', { 'a.yaml': 'v: 1.1\n' });
    await push('apps/semver', 'rc-1.9.0', { 'a.yaml': 'filtered out\n' });
    await repos.create('semver', {
      url: registry.ociUrl('apps/semver'),
      ref: { semver: '1.x', semverFilter: '^1\\.' },
      insecure: true,
    });
    await repos.waitReady('semver', `1.1.0@${first.digest}`);
    const next = await push('apps/semver', '1.2.0', { 'a.yaml': 'v: 1.2\n' });
    await repos.reconcileNow('semver');
    const obj = await repos.waitReady('semver', `1.2.0@${next.digest}`);
    const { dir } = await artifactFiles(obj);
    assert.equal(await readFile(join(dir, 'a.yaml'), 'utf8'), 'v: 1.2\n');
  });

  it('pins a digest: the revision is the digest alone', async () => {
    const pushed = await push('apps/pinned', 'any', { 'p.yaml': 'p: 1\n' });
    await repos.create('pinned', {
      url: registry.ociUrl('apps/pinned'),
      ref: { digest: pushed.digest },
      insecure: true,
    });
    await repos.waitReady('pinned', pushed.digest);
  });

  it('layerSelector: copy stores the layer as it is, extract repacks it with spec.ignore', async () => {
    const content = await filesDir({ 'keep.yaml': 'k: 1\n', 'drop/secret.txt': 'x\n', 'logo.png': 'png' });
    const layer = await buildArtifact({ dir: content, out: join(workDir, 'custom.tar.gz') });
    await rm(content, { recursive: true, force: true });
    const custom = 'application/vnd.example.manifests.tar+gzip';
    await pushRaw({ url: registry.url }, 'apps/layers', 'v1', {
      layers: [
        { mediaType: 'application/vnd.example.readme', data: 'not this one' },
        { mediaType: custom, data: await readFile(layer.path) },
      ],
    });
    await repos.create('copy', {
      url: registry.ociUrl('apps/layers'),
      ref: { tag: 'v1' },
      layerSelector: { mediaType: custom, operation: 'copy' },
      insecure: true,
    });
    const copied = await repos.waitReady('copy');
    assert.equal(copied.status?.artifact?.digest, layer.digest, 'copy keeps the layer bytes');
    await repos.create('extract', {
      url: registry.ociUrl('apps/layers'),
      ref: { tag: 'v1' },
      layerSelector: { mediaType: custom, operation: 'extract' },
      ignore: 'drop/\n',
      insecure: true,
    });
    const extracted = await repos.waitReady('extract');
    assert.notEqual(extracted.status?.artifact?.digest, layer.digest);
    assert.deepEqual(
      (await artifactFiles(extracted)).files,
      ['keep.yaml', 'logo.png'],
      'spec.ignore replaces the defaults',
    );
    await repos.patchSpec('extract', { layerSelector: { mediaType: 'application/vnd.example.none' } });
    const missing = await repos.waitNotReady('extract', 'OCIArtifactLayerOperationFailed');
    assert.match(
      conditionOf(missing, 'Ready')?.message ?? '',
      /no layer of media type application\/vnd\.example\.none/,
    );
  });

  it('a layer larger than its descriptor says is refused: no artifact', async () => {
    const data = Buffer.from('x'.repeat(2048));
    const raw = await pushRaw({ url: registry.url }, 'apps/hostile', 'v1', {
      layers: [{ mediaType: MediaType.fluxContent, data }],
    });
    // Re-point the tag at a manifest whose layer descriptor lies about the size.
    const lying = { ...raw.manifest, layers: raw.manifest.layers.map((l) => ({ ...l, size: 16 })) };
    await publisher.pushManifest(
      'apps/hostile',
      'v1',
      Buffer.from(JSON.stringify(lying)),
      MediaType.ociManifest,
    );
    await repos.create('hostile', {
      url: registry.ociUrl('apps/hostile'),
      ref: { tag: 'v1' },
      insecure: true,
    });
    const obj = await repos.waitNotReady('hostile', 'OCIArtifactLayerOperationFailed');
    assert.match(
      conditionOf(obj, 'Ready')?.message ?? '',
      /does not match|larger than its descriptor|descriptor says/,
    );
    assert.equal(obj.status?.artifact, undefined);
  });

  it('logs in with a dockerconfigjson Secret; wrong credentials are AuthenticationFailed without the secret', async () => {
    const privatePublisher = new RegistryClient({
      registry: privateRegistry.host,
      insecure: true,
      credentials: auth,
    });
    const dir = await filesDir({ 'private.yaml': 'p: 1\n' });
    const pushed = await pushArtifact({
      client: privatePublisher,
      repository: 'team/private',
      tag: 'latest',
      dir,
    });
    privatePublisher.close();
    await rm(dir, { recursive: true, force: true });
    const wrongPassword = 'definitely-wrong-pw';
    await createSecret(
      client,
      namespace,
      'regcred',
      { '.dockerconfigjson': dockerConfigFor(privateRegistry.host, auth) },
      'kubernetes.io/dockerconfigjson',
    );
    await createSecret(
      client,
      namespace,
      'badcred',
      {
        '.dockerconfigjson': dockerConfigFor(privateRegistry.host, {
          username: auth.username,
          password: wrongPassword,
        }),
      },
      'kubernetes.io/dockerconfigjson',
    );
    await repos.create('private', {
      url: privateRegistry.ociUrl('team/private'),
      secretRef: { name: 'regcred' },
      insecure: true,
    });
    await repos.waitReady('private', `latest@${pushed.digest}`);
    await repos.create('wrong', {
      url: privateRegistry.ociUrl('team/private'),
      secretRef: { name: 'badcred' },
      insecure: true,
    });
    const wrong = await repos.waitNotReady('wrong', 'AuthenticationFailed');
    assert.match(
      conditionOf(wrong, 'Ready')?.message ?? '',
      /authentication to 127\.0\.0\.1:\d+ failed with the given credentials/,
    );
    assert.equal(conditionOf(wrong, 'FetchFailed')?.reason, 'AuthenticationFailed');
    const text = JSON.stringify(wrong.status);
    assert.ok(!text.includes(wrongPassword) && !text.includes(auth.password), 'no secret in status');
    // Through a service account's imagePullSecrets too.
    await client.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'puller', namespace },
      imagePullSecrets: [{ name: 'regcred' }],
    } as never);
    await repos.create('via-sa', {
      url: privateRegistry.ociUrl('team/private'),
      serviceAccountName: 'puller',
      insecure: true,
    });
    await repos.waitReady('via-sa', `latest@${pushed.digest}`);
  });

  it('certSecretRef: a registry requiring a client certificate is reached with ca.crt, tls.crt and tls.key', async () => {
    const secure = await startOciRegistry({ tls: 'mutual' });
    try {
      const tls = secure.tls;
      assert.ok(tls);
      const securePublisher = new RegistryClient({
        registry: secure.host,
        tls: { ca: tls.caPem, cert: tls.clientCertPem, key: tls.clientKeyPem },
      });
      const dir = await filesDir({ 'tls.yaml': 't: 1\n' });
      const pushed = await pushArtifact({
        client: securePublisher,
        repository: 'secure/app',
        tag: 'v1',
        dir,
      });
      securePublisher.close();
      await rm(dir, { recursive: true, force: true });
      await createSecret(client, namespace, 'registry-tls', {
        'ca.crt': tls.caPem,
        'tls.crt': tls.clientCertPem,
        'tls.key': tls.clientKeyPem,
      });
      await repos.create('tls', {
        url: secure.ociUrl('secure/app'),
        ref: { tag: 'v1' },
        certSecretRef: { name: 'registry-tls' },
      });
      await repos.waitReady('tls', `v1@${pushed.digest}`);
      await repos.create('tls-untrusted', { url: secure.ociUrl('secure/app'), ref: { tag: 'v1' } });
      const untrusted = await repos.waitNotReady('tls-untrusted', 'OCIArtifactPullFailed');
      assert.match(conditionOf(untrusted, 'Ready')?.message ?? '', /certificate/);
    } finally {
      await secure.stop();
    }
  });

  it('a registry that never answers fails after spec.timeout, saying so', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      await repos.create('silent', {
        url: `oci://127.0.0.1:${port}/apps/web`,
        timeout: '1s',
        insecure: true,
      });
      const obj = await repos.waitNotReady('silent', 'OCIArtifactPullFailed');
      assert.match(conditionOf(obj, 'Ready')?.message ?? '', /timed out after 1s \(spec\.timeout\)/);
    } finally {
      silent.close();
    }
  });

  it('fields weft does not implement stall the object, naming the field', async () => {
    await repos.create('aws', { url: registry.ociUrl('apps/web'), provider: 'aws', insecure: true });
    const aws = await repos.waitNotReady('aws', 'UnsupportedField');
    assert.equal(conditionOf(aws, 'Stalled')?.status, 'True');
    assert.equal(
      conditionOf(aws, 'Ready')?.message,
      'spec.provider is not supported yet: remove it from the spec',
    );
  });
});
