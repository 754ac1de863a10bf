/**
 * ImageRepository end to end: tag lists across pages, token and basic auth, pull secrets, TLS
 * with a client certificate, suspend (the real apiserver and OCI registries).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startOciRegistry } from '@weft/e2e';
import { dockerConfigFor, RegistryClient } from '@weft/oci';
import type { KubeObject } from '@weft/runtime/client';
import { pageSize, reflectorSuite, registryAuth } from './reflector-fixture.ts';
import { conditionOf, eventually, pushTags } from './reflector-helpers.ts';

const suite = await reflectorSuite();
const { namespace, client, front, tokenRegistry, publisher, kinds, image, createSecret } = suite;
const auth = registryAuth;

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
    // 25 tags in pages of 10: three requests a scan. A scan is redone when what follows it fails
    // (a status write the loaded apiserver timed out), so whole scans are counted, not requests.
    const pages = front.tagLists('apps/paged');
    assert.ok(
      pages >= 3 && pages % 3 === 0,
      `25 tags in pages of ${pageSize}: three requests a scan, saw ${pages}`,
    );
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
    assert.ok(front.tagLists('apps/suspended') >= 1, 'scanned once lifted');
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
