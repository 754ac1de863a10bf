import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OciRegistry, startOciRegistry, testNamespace, useCluster } from '@weft/e2e';
import { dockerConfigFor, RegistryClient } from '@weft/oci';
import { Client, type KubeObject } from '@weft/runtime/client';
import {
  conditionOf,
  eventually,
  ImageKinds,
  installCrds,
  PagingRegistryFront,
  pushTags,
  type RunningReflector,
  startReflector,
} from './reflector-helpers.ts';

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'imgrefl');
const otherNamespace = await testNamespace(kubeConfig, 'imgrefl-other');
const auth = { username: 'puller', password: 'registry-secret-9f3' };
const shard = `irc-${randomBytes(3).toString('hex')}`;

let client: Client;
let registry: OciRegistry;
let front: PagingRegistryFront;
let tokenRegistry: OciRegistry;
let publisher: RegistryClient;
let storageDir: string;
let controller: RunningReflector | undefined;
let kinds: ImageKinds;

const pageSize = 10;

before(async () => {
  client = new Client(kubeConfig, { fieldManager: 'image-reflector-test' });
  await installCrds(client);
  storageDir = await mkdtemp(join(tmpdir(), 'weft-irc-store-'));
  registry = await startOciRegistry();
  front = await PagingRegistryFront.start(registry.url, pageSize);
  tokenRegistry = await startOciRegistry({ auth, tokenAuth: true });
  publisher = new RegistryClient({ registry: registry.host, insecure: true });
  kinds = new ImageKinds(client, namespace, shard);
  controller = await startReflector(kubeConfig, storageDir, shard);
});

after(async () => {
  await controller?.stop();
  publisher?.close();
  await front?.stop();
  await registry?.stop();
  await tokenRegistry?.stop();
  await rm(storageDir, { recursive: true, force: true });
});

const image = (repository: string) => `${front.host}/${repository}`;

async function createSecret(
  name: string,
  stringData: Record<string, string>,
  type = 'Opaque',
  ns = namespace,
) {
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    type,
    stringData,
  } as KubeObject);
}

describe('ImageRepository', () => {
  it('lists every tag across pages of the tag list, keeps the count and the latest ten, drops .sig by default', async () => {
    const tags = Array.from({ length: 23 }, (_, i) => `1.0.${i}`).concat([
      'sha256-abc.sig',
      'sha256-abc.att',
    ]);
    await pushTags(publisher, 'apps/paged', tags);
    await kinds.create('ImageRepository', 'paged', {
      image: image('apps/paged'),
      interval: '1h',
      insecure: true,
    });
    const obj = await kinds.waitReady('ImageRepository', 'paged');
    const scan = obj.status?.lastScanResult;
    assert.equal(scan?.tagCount, 24, '23 versions and the .att: the .sig is excluded by default');
    assert.equal(front.tagLists('apps/paged'), 3, `25 tags in pages of ${pageSize}: three requests`);
    assert.deepEqual(scan?.latestTags, [
      'sha256-abc.att',
      '1.0.9',
      '1.0.8',
      '1.0.7',
      '1.0.6',
      '1.0.5',
      '1.0.4',
      '1.0.3',
      '1.0.22',
      '1.0.21',
    ]);
    assert.match(scan?.revision ?? '', /^sha256:[a-f0-9]{64}$/);
    assert.equal(obj.status?.canonicalImageName, image('apps/paged'));
    assert.deepEqual(obj.status?.observedExclusionList, ['^.*\\.sig$']);
    assert.equal(
      conditionOf(obj, 'Ready')?.message,
      `successful scan: found 24 tags with checksum ${scan?.revision}`,
    );

    await kinds.patchSpec('ImageRepository', 'paged', { exclusionList: ['^.*\\.sig$', '^.*\\.att$'] });
    const excluded = await kinds.waitReady(
      'ImageRepository',
      'paged',
      (o) => o.status?.lastScanResult?.tagCount === 23,
    );
    assert.deepEqual(excluded.status?.observedExclusionList, ['^.*\\.sig$', '^.*\\.att$']);
    assert.notEqual(excluded.status?.lastScanResult?.revision, scan?.revision);
  });

  it('a provider other than generic is refused naming the field; a bad image stalls', async () => {
    await kinds.create('ImageRepository', 'aws', {
      image: image('apps/paged'),
      interval: '1h',
      provider: 'aws',
    });
    const aws = await kinds.waitFor(
      'ImageRepository',
      'aws',
      'Stalled',
      (o) => conditionOf(o, 'Stalled')?.status === 'True',
    );
    assert.equal(conditionOf(aws, 'Ready')?.reason, 'UnsupportedField');
    assert.match(conditionOf(aws, 'Ready')?.message ?? '', /spec\.provider/);
    await kinds.create('ImageRepository', 'tagged', { image: `${image('apps/paged')}:v1`, interval: '1h' });
    const tagged = await kinds.waitNotReady('ImageRepository', 'tagged', 'ImageURLInvalid');
    assert.match(conditionOf(tagged, 'Ready')?.message ?? '', /a tag names one image/);
  });

  it('token auth: a dockerconfigjson secretRef or a service account pull secret; wrong credentials say so without the secret', async () => {
    const pusher = new RegistryClient({ registry: tokenRegistry.host, insecure: true, credentials: auth });
    await pushTags(pusher, 'private/app', ['1.0.0', '1.1.0']);
    pusher.close();
    const privateImage = `${tokenRegistry.host}/private/app`;
    await createSecret(
      'regcred',
      { '.dockerconfigjson': dockerConfigFor(tokenRegistry.host, auth) },
      'kubernetes.io/dockerconfigjson',
    );
    await kinds.create('ImageRepository', 'private', {
      image: privateImage,
      interval: '1h',
      insecure: true,
      secretRef: { name: 'regcred' },
    });
    assert.equal((await kinds.waitReady('ImageRepository', 'private')).status?.lastScanResult?.tagCount, 2);

    await client.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'puller', namespace },
      imagePullSecrets: [{ name: 'regcred' }],
    } as KubeObject);
    await kinds.create('ImageRepository', 'by-account', {
      image: privateImage,
      interval: '1h',
      insecure: true,
      serviceAccountName: 'puller',
    });
    assert.equal(
      (await kinds.waitReady('ImageRepository', 'by-account')).status?.lastScanResult?.tagCount,
      2,
    );

    const wrong = { username: auth.username, password: 'not-the-password-4d1' };
    await createSecret(
      'wrongcred',
      { '.dockerconfigjson': dockerConfigFor(tokenRegistry.host, wrong) },
      'kubernetes.io/dockerconfigjson',
    );
    await kinds.create('ImageRepository', 'wrong', {
      image: privateImage,
      interval: '1h',
      insecure: true,
      secretRef: { name: 'wrongcred' },
    });
    const refused = await kinds.waitNotReady('ImageRepository', 'wrong', 'AuthenticationFailed');
    assert.match(conditionOf(refused, 'Ready')?.message ?? '', /refused the credentials/);
    const status = JSON.stringify(refused.status);
    assert.ok(!status.includes(wrong.password) && !status.includes(auth.password), 'no secret in status');

    await kinds.create('ImageRepository', 'anonymous', {
      image: privateImage,
      interval: '1h',
      insecure: true,
    });
    await kinds.waitNotReady('ImageRepository', 'anonymous', 'AuthenticationFailed');
    await kinds.create('ImageRepository', 'missing-secret', {
      image: privateImage,
      interval: '1h',
      insecure: true,
      secretRef: { name: 'nope' },
    });
    const missing = await kinds.waitNotReady('ImageRepository', 'missing-secret', 'AuthenticationFailed');
    assert.match(
      conditionOf(missing, 'Ready')?.message ?? '',
      /cannot read secret .*\/nope \(spec.secretRef\): not found/,
    );
  });
});

describe('ImageRepository, more', () => {
  it('HTTP basic auth (htpasswd) with a secretRef', async () => {
    const basic = await startOciRegistry({ auth });
    try {
      const pusher = new RegistryClient({ registry: basic.host, insecure: true, credentials: auth });
      await pushTags(pusher, 'basic/app', ['a', 'b', 'c', 'd']);
      pusher.close();
      await createSecret(
        'basic-cred',
        { '.dockerconfigjson': dockerConfigFor(basic.host, auth) },
        'kubernetes.io/dockerconfigjson',
      );
      await kinds.create('ImageRepository', 'basic', {
        image: `${basic.host}/basic/app`,
        interval: '1h',
        insecure: true,
        secretRef: { name: 'basic-cred' },
      });
      const obj = await kinds.waitReady('ImageRepository', 'basic');
      assert.deepEqual(obj.status?.lastScanResult?.latestTags, ['d', 'c', 'b', 'a']);
    } finally {
      await basic.stop();
    }
  });

  it('suspend: no scan until it is lifted', async () => {
    await pushTags(publisher, 'apps/suspended', ['1']);
    await kinds.create('ImageRepository', 'suspended', {
      image: image('apps/suspended'),
      interval: '1h',
      insecure: true,
      suspend: true,
    });
    // The controller sees it (finalizer added) but does not scan.
    await eventually('finalizer added', async () =>
      (await kinds.get('ImageRepository', 'suspended')).metadata.finalizers?.length ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(front.tagLists('apps/suspended'), 0);
    assert.equal((await kinds.get('ImageRepository', 'suspended')).status?.lastScanResult, undefined);
    await kinds.patchSpec('ImageRepository', 'suspended', { suspend: false });
    assert.equal((await kinds.waitReady('ImageRepository', 'suspended')).status?.lastScanResult?.tagCount, 1);
    assert.equal(front.tagLists('apps/suspended'), 1);
  });
});

describe('ImageRepository over TLS', () => {
  it('certSecretRef: a CA and a client certificate for a registry that requires one', async () => {
    const tlsRegistry = await startOciRegistry({ tls: 'mutual' });
    try {
      const material = tlsRegistry.tls;
      assert.ok(material);
      const tls = { ca: material.caPem, cert: material.clientCertPem, key: material.clientKeyPem };
      const pusher = new RegistryClient({ registry: tlsRegistry.host, tls });
      await pushTags(pusher, 'secure/app', ['1.0.0', '2.0.0', '3.0.0']);
      pusher.close();
      await createSecret('registry-tls', {
        'ca.crt': material.caPem,
        'tls.crt': material.clientCertPem,
        'tls.key': material.clientKeyPem,
      });
      await kinds.create('ImageRepository', 'secure', {
        image: `${tlsRegistry.host}/secure/app`,
        interval: '1h',
        certSecretRef: { name: 'registry-tls' },
      });
      assert.equal((await kinds.waitReady('ImageRepository', 'secure')).status?.lastScanResult?.tagCount, 3);
      await kinds.create('ImageRepository', 'untrusted', {
        image: `${tlsRegistry.host}/secure/app`,
        interval: '1h',
      });
      await kinds.waitNotReady('ImageRepository', 'untrusted', 'ReadOperationFailed');
    } finally {
      await tlsRegistry.stop();
    }
  });
});

describe('ImagePolicy', () => {
  before(async () => {
    await pushTags(publisher, 'apps/web', [
      '1.0.0',
      '1.2.0',
      'v1.10.0',
      '2.0.0-rc.1',
      'main-abc-1700000100',
      'main-def-1700000200',
      'dev-zzz-1800000000',
      '7',
      '12',
      'RELEASE.2024-01-02T00-00-00Z',
      'RELEASE.2024-03-01T00-00-00Z',
    ]);
    await kinds.create('ImageRepository', 'web', {
      image: image('apps/web'),
      interval: '1h',
      insecure: true,
    });
    await kinds.waitReady('ImageRepository', 'web');
  });

  const policy = (name: string, spec: Record<string, unknown>) =>
    kinds.create('ImagePolicy', name, { imageRepositoryRef: { name: 'web' }, ...spec });
  const latestTag = async (name: string) =>
    (await kinds.waitReady('ImagePolicy', name)).status?.latestRef?.tag;

  it('semver, alphabetical, numerical and filterTags with extract pick the right tag', async () => {
    await policy('semver', { policy: { semver: { range: '>=1.0.0 <2.0.0' } } });
    await policy('semver-rc', { policy: { semver: { range: '>=2.0.0-0 <3.0.0' } } });
    await policy('alpha', {
      filterTags: { pattern: '^RELEASE\\.(?P<timestamp>.*)Z$', extract: '$timestamp' },
      policy: { alphabetical: { order: 'asc' } },
    });
    await policy('numeric', { filterTags: { pattern: '^[0-9]+$' }, policy: { numerical: { order: 'asc' } } });
    await policy('built', {
      filterTags: { pattern: '^main-[a-z]+-(?P<ts>[0-9]+)$', extract: '$ts' },
      policy: { numerical: { order: 'asc' } },
    });
    assert.equal(await latestTag('semver'), 'v1.10.0');
    assert.equal(await latestTag('semver-rc'), '2.0.0-rc.1');
    assert.equal(await latestTag('alpha'), 'RELEASE.2024-03-01T00-00-00Z');
    assert.equal(await latestTag('numeric'), '12');
    assert.equal(await latestTag('built'), 'main-def-1700000200');
    const obj = await kinds.get('ImagePolicy', 'semver');
    assert.deepEqual(obj.status?.latestRef, { name: image('apps/web'), tag: 'v1.10.0' }, 'Never: no digest');
    assert.equal(
      conditionOf(obj, 'Ready')?.message,
      `Latest image tag for ${image('apps/web')} resolved to v1.10.0`,
    );
  });

  it('a new tag reaches the policy as soon as the repository is rescanned, with the previous ref and an Event', async () => {
    await pushTags(publisher, 'apps/web', ['1.11.0']);
    await kinds.reconcileNow('ImageRepository', 'web');
    const obj = await kinds.waitReady('ImagePolicy', 'semver', (o) => o.status?.latestRef?.tag === '1.11.0');
    assert.deepEqual(obj.status?.observedPreviousRef, { name: image('apps/web'), tag: 'v1.10.0' });
    assert.match(
      conditionOf(obj, 'Ready')?.message ?? '',
      /resolved to 1\.11\.0 \(previously .*:v1\.10\.0\)/,
    );
    await eventually('an Event naming the new tag', async () =>
      (await kinds.eventNotes('semver')).find((note) => /resolved to 1\.11\.0/.test(note)),
    );
  });

  it('a range matching nothing says so and lists tags it saw; a bad range stalls', async () => {
    await policy('nothing', { policy: { semver: { range: '>=100.0.0' } } });
    const obj = await kinds.waitNotReady('ImagePolicy', 'nothing', 'Failure');
    const message = conditionOf(obj, 'Ready')?.message ?? '';
    assert.match(
      message,
      /no tag of .*apps\/web matches semver range '>=100\.0\.0' \(12 tags seen; latest by name: v1\.10\.0, /,
    );
    await policy('bad-range', { policy: { semver: { range: 'not-a-range' } } });
    const bad = await kinds.waitFor(
      'ImagePolicy',
      'bad-range',
      'Stalled',
      (o) => conditionOf(o, 'Stalled')?.status === 'True',
    );
    assert.equal(conditionOf(bad, 'Ready')?.reason, 'InvalidPolicy');
  });

  it('digest reflection: IfNotPresent resolves once, Always follows a moved tag at spec.interval', async () => {
    const [first] = (await pushTags(publisher, 'apps/mutable', ['stable'])).values();
    await kinds.create('ImageRepository', 'mutable', {
      image: image('apps/mutable'),
      interval: '1h',
      insecure: true,
    });
    await kinds.waitReady('ImageRepository', 'mutable');
    const ref = { imageRepositoryRef: { name: 'mutable' }, policy: { alphabetical: { order: 'asc' } } };
    await kinds.create('ImagePolicy', 'once', { ...ref, digestReflectionPolicy: 'IfNotPresent' });
    await kinds.create('ImagePolicy', 'always', { ...ref, digestReflectionPolicy: 'Always', interval: '2s' });
    assert.equal((await kinds.waitReady('ImagePolicy', 'once')).status?.latestRef?.digest, first);
    assert.equal((await kinds.waitReady('ImagePolicy', 'always')).status?.latestRef?.digest, first);
    // Move the tag to another manifest: same tag list, so only Always sees it.
    const config = await publisher.pushBlob(
      'apps/mutable',
      Buffer.from('{}'),
      'application/vnd.oci.empty.v1+json',
    );
    const moved = await publisher.pushManifest(
      'apps/mutable',
      'stable',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config,
          layers: [],
          annotations: { moved: 'yes' },
        }),
      ),
      'application/vnd.oci.image.manifest.v1+json',
    );
    const always = await kinds.waitReady(
      'ImagePolicy',
      'always',
      (o) => o.status?.latestRef?.digest === moved,
    );
    assert.deepEqual(always.status?.observedPreviousRef, {
      name: image('apps/mutable'),
      tag: 'stable',
      digest: first,
    });
    await kinds.reconcileNow('ImagePolicy', 'once');
    assert.equal(
      (await kinds.get('ImagePolicy', 'once')).status?.latestRef?.digest,
      first,
      'IfNotPresent keeps it',
    );
  });

  it('cross-namespace: refused without accessFrom, allowed when a selector matches the namespace', async () => {
    const crossRef = { imageRepositoryRef: { name: 'web', namespace }, policy: { semver: { range: '1.x' } } };
    await kinds.create('ImagePolicy', 'cross', crossRef, otherNamespace);
    const denied = await kinds.waitNotReady('ImagePolicy', 'cross', 'AccessDenied', otherNamespace);
    assert.match(
      conditionOf(denied, 'Ready')?.message ?? '',
      /cannot be used from namespace .*: it has no spec.accessFrom/,
    );
    await kinds.patchSpec('ImageRepository', 'web', {
      accessFrom: {
        namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': otherNamespace } }],
      },
    });
    const allowed = await kinds.waitReady('ImagePolicy', 'cross', () => true, otherNamespace);
    assert.equal(allowed.status?.latestRef?.tag, '1.11.0');
  });

  it('a missing repository is DependencyNotReady, and the policy resolves once it is scanned', async () => {
    await kinds.create('ImagePolicy', 'early', {
      imageRepositoryRef: { name: 'late' },
      policy: { semver: { range: '*' } },
    });
    await kinds.waitNotReady('ImagePolicy', 'early', 'DependencyNotReady');
    await pushTags(publisher, 'apps/late', ['0.1.0']);
    await kinds.create('ImageRepository', 'late', {
      image: image('apps/late'),
      interval: '1h',
      insecure: true,
    });
    assert.equal((await kinds.waitReady('ImagePolicy', 'early')).status?.latestRef?.tag, '0.1.0');
  });
});

describe('restart', () => {
  it('a restarted controller rescans nothing that is not due, and policies read the stored tags', async () => {
    const names = ['r1', 'r2', 'r3', 'r4', 'r5'];
    for (const name of names) {
      await pushTags(publisher, `restart/${name}`, ['1.0.0', '1.1.0']);
      await kinds.create('ImageRepository', name, {
        image: image(`restart/${name}`),
        interval: '1h',
        insecure: true,
      });
    }
    for (const name of names) await kinds.waitReady('ImageRepository', name);
    await controller?.stop();
    const before = names.map((name) => front.tagLists(`restart/${name}`));
    assert.deepEqual(before, [1, 1, 1, 1, 1]);
    controller = await startReflector(kubeConfig, storageDir, shard);
    for (const name of names)
      await kinds.create('ImagePolicy', `after-${name}`, {
        imageRepositoryRef: { name },
        policy: { semver: { range: '1.x' } },
      });
    for (const name of names)
      assert.equal((await kinds.waitReady('ImagePolicy', `after-${name}`)).status?.latestRef?.tag, '1.1.0');
    assert.deepEqual(
      names.map((name) => front.tagLists(`restart/${name}`)),
      before,
      'no tag list fetched after the restart',
    );
    // A lost store is rescanned: correctness first.
    await controller.stop();
    const emptyStore = await mkdtemp(join(tmpdir(), 'weft-irc-empty-'));
    controller = await startReflector(kubeConfig, emptyStore, shard);
    await eventually('r1 rescanned into the new store', () =>
      front.tagLists('restart/r1') === 2 ? true : undefined,
    );
    await controller.stop();
    controller = await startReflector(kubeConfig, storageDir, shard);
    await rm(emptyStore, { recursive: true, force: true });
  });
});
