import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchArtifact } from '@weft/artifact';
import { type S3Server, startS3Server, testNamespace, useCluster } from '@weft/e2e';
import { Client } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { installCrds, type KubeConfig } from './helpers.ts';
import { haveTinyproxy, startHttpProxy, tinyproxyPath } from './http-proxy.ts';
import { conditionOf, createSecret, SourceKind, type SourceObject, startController } from './oci-helpers.ts';

const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'bucket');

let client: Client;
let controller: Manager;
let s3: S3Server;
let storageDir: string;
let workDir: string;
let buckets: SourceKind;
const shard = `sc-${randomBytes(3).toString('hex')}`;

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  storageDir = await mkdtemp(join(tmpdir(), 'weft-sc-storage-'));
  workDir = await mkdtemp(join(tmpdir(), 'weft-sc-work-'));
  s3 = await startS3Server();
  buckets = new SourceKind(client, 'Bucket', namespace, shard);
  await createSecret(client, namespace, 's3-keys', { accesskey: s3.accessKey, secretkey: s3.secretKey });
  controller = await startController(kubeConfig, storageDir, shard);
});

after(async () => {
  await controller?.stop();
  await s3?.stop();
  await rm(storageDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

async function artifactFiles(obj: SourceObject): Promise<{ dir: string; files: string[] }> {
  const artifact = obj.status?.artifact;
  assert.ok(artifact, 'status.artifact');
  const dir = join(workDir, randomBytes(4).toString('hex'));
  await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir });
  return { dir, files: (await readdir(dir, { recursive: true })).sort() };
}

const spec = (extra: Record<string, unknown>) => ({
  provider: 'generic',
  bucketName: 'manifests',
  endpoint: s3.endpoint,
  insecure: true,
  secretRef: { name: 's3-keys' },
  ...extra,
});

describe('Bucket', () => {
  it('publishes the objects under the prefix minus ignored ones (spec.ignore, .sourceignore); unchanged costs one list; a change is a new revision', async () => {
    await s3.createBucket('manifests');
    await s3.put('manifests', 'prod/app.yaml', 'kind: ConfigMap\n');
    await s3.put('manifests', 'prod/notes.md', 'ignored\n');
    await s3.put('manifests', 'prod/with space & amp.yaml', 'odd: key\n');
    await s3.put('manifests', 'staging/app.yaml', 'other prefix\n');
    await s3.put('manifests', 'prod/.sourceignore', 'secrets/\n');
    await s3.put('manifests', 'prod/secrets/key.txt', 'left out by .sourceignore\n');
    await buckets.create('prod', spec({ prefix: 'prod/', ignore: '*.md\n' }));
    const first = await buckets.waitReady('prod');
    const revision = first.status?.artifact?.revision ?? '';
    assert.match(revision, /^sha256:[0-9a-f]{64}$/);
    assert.equal(conditionOf(first, 'Ready')?.message, `stored artifact for revision '${revision}'`);
    const { dir, files } = await artifactFiles(first);
    assert.deepEqual(files, ['prod', 'prod/.sourceignore', 'prod/app.yaml', 'prod/with space & amp.yaml']);
    assert.equal(await readFile(join(dir, 'prod/app.yaml'), 'utf8'), 'kind: ConfigMap\n');

    const before = (await s3.requests()).length;
    await buckets.reconcileNow('prod');
    assert.deepEqual((await s3.requests()).slice(before), ['ListObjectsV2 -'], 'one list, no GetObject');

    await s3.put('manifests', 'prod/notes.md', 'still ignored, changed\n');
    const ignoredChange = await buckets.reconcileNow('prod');
    assert.equal(
      ignoredChange.status?.artifact?.revision,
      revision,
      'an ignored object does not make a revision',
    );

    await s3.put('manifests', 'prod/app.yaml', 'kind: ConfigMap\nchanged: true\n');
    await s3.remove('manifests', 'prod/with space & amp.yaml');
    await buckets.reconcileNow('prod');
    const changed = await eventuallyNewRevision('prod', revision);
    const after = await artifactFiles(changed);
    assert.deepEqual(after.files, ['prod', 'prod/.sourceignore', 'prod/app.yaml']);
    assert.equal(
      await readFile(join(after.dir, 'prod/app.yaml'), 'utf8'),
      'kind: ConfigMap\nchanged: true\n',
    );
  });

  it('wrong keys are AuthenticationFailed without the secret in status', async () => {
    const wrongSecret = 'not-the-secret-key-123';
    await createSecret(client, namespace, 'bad-keys', { accesskey: s3.accessKey, secretkey: wrongSecret });
    await buckets.create('wrong', spec({ secretRef: { name: 'bad-keys' } }));
    const obj = await buckets.waitNotReady('wrong', 'AuthenticationFailed');
    assert.match(conditionOf(obj, 'Ready')?.message ?? '', /listing bucket manifests was refused/);
    const text = JSON.stringify(obj.status);
    assert.ok(!text.includes(wrongSecret) && !text.includes(s3.secretKey), 'no secret in status');
  });

  it('spec.proxySecretRef: lists and downloads through an HTTP proxy', {
    skip: haveTinyproxy ? false : `${tinyproxyPath} not found: install Debian's tinyproxy-bin`,
  }, async () => {
    const proxyAuth = { username: 'proxy-user', password: 'proxy-secret-5' };
    const proxy = await startHttpProxy(proxyAuth);
    try {
      await createSecret(client, namespace, 'proxy', { address: proxy.address, ...proxyAuth });
      await buckets.create('proxied', spec({ proxySecretRef: { name: 'proxy' } }));
      const obj = await buckets.waitReady('proxied');
      assert.ok(obj.status?.artifact?.revision);
      assert.match(await proxy.log(), new RegExp(`GET http://${s3.endpoint}/manifests\\?list-type=2`));
    } finally {
      await proxy.stop();
    }
  });

  it('an endpoint that never answers fails after spec.timeout, saying so', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      await buckets.create('silent', spec({ endpoint: `127.0.0.1:${port}`, timeout: '1s' }));
      const obj = await buckets.waitNotReady('silent', 'BucketOperationFailed');
      assert.match(conditionOf(obj, 'Ready')?.message ?? '', /timed out after 1s \(spec\.timeout\)/);
    } finally {
      silent.close();
    }
  });

  it('cloud providers and sts stall, naming the field', async () => {
    await buckets.create('aws', spec({ provider: 'aws' }));
    const aws = await buckets.waitNotReady('aws', 'UnsupportedField');
    assert.equal(
      conditionOf(aws, 'Ready')?.message,
      'spec.provider is not supported yet: remove it from the spec',
    );
    assert.equal(conditionOf(aws, 'Stalled')?.status, 'True');
    await buckets.create('sts', spec({ sts: { provider: 'ldap', endpoint: 'https://sts.example' } }));
    const sts = await buckets.waitNotReady('sts', 'UnsupportedField');
    assert.match(conditionOf(sts, 'Ready')?.message ?? '', /^spec\.sts is not supported yet/);
  });
});

async function eventuallyNewRevision(name: string, old: string): Promise<SourceObject> {
  const { eventually } = await import('./helpers.ts');
  return eventually(`${name} leaves ${old}`, async () => {
    const obj = await buckets.get(name);
    const revision = obj.status?.artifact?.revision;
    return revision && revision !== old && conditionOf(obj, 'Ready')?.status === 'True' ? obj : undefined;
  });
}
