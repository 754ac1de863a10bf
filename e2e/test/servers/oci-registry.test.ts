import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  OciRequestError,
  pullBlob,
  pullManifest,
  pushArtifact,
  sha256Digest,
  startOciRegistry,
} from '../../src/servers/index.ts';

const contentType = 'application/vnd.cncf.flux.content.v1.tar+gzip';
const configType = 'application/vnd.cncf.flux.config.v1+json';

describe('OCI registry without auth', async () => {
  const registry = await startOciRegistry();
  after(() => registry.stop());

  test('answers /v2/ with the distribution API version header', async () => {
    const response = await fetch(`${registry.url}/v2/`);
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal(registry.ociUrl('team/app'), `oci://127.0.0.1:${registry.port}/team/app`);
  });

  test('stores an artifact and gives it back', async () => {
    const layer = Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5]);
    const pushed = await pushArtifact(registry, 'team/app', 'v1.0.0', {
      config: { mediaType: configType, data: '{}' },
      layers: [{ mediaType: contentType, data: layer }],
      annotations: { 'org.opencontainers.image.revision': 'main@sha1:abc' },
    });
    const pulled = await pullManifest(registry, 'team/app', 'v1.0.0');
    assert.equal(pulled.digest, pushed.digest);
    assert.deepEqual(pulled.manifest, pushed.manifest);
    const [descriptor] = pulled.manifest.layers;
    assert.ok(descriptor);
    assert.equal(descriptor.digest, sha256Digest(layer));
    assert.deepEqual(await pullBlob(registry, 'team/app', descriptor.digest), layer);
    const byDigest = await pullManifest(registry, 'team/app', pushed.digest);
    assert.equal(byDigest.digest, pushed.digest);

    const tags = await fetch(`${registry.url}/v2/team/app/tags/list`);
    assert.deepEqual(await tags.json(), { name: 'team/app', tags: ['v1.0.0'] });
  });

  test('deletes manifests', async () => {
    const pushed = await pushArtifact(registry, 'gone', 'latest', {
      layers: [{ mediaType: contentType, data: 'x' }],
    });
    const response = await fetch(`${registry.url}/v2/gone/manifests/${pushed.digest}`, { method: 'DELETE' });
    await response.arrayBuffer();
    assert.equal(response.status, 202);
    await assert.rejects(pullManifest(registry, 'gone', 'latest'), (error: unknown) => {
      assert.ok(error instanceof OciRequestError);
      assert.equal(error.status, 404);
      return true;
    });
  });
});

describe('OCI registry with htpasswd auth', async () => {
  const auth = { username: 'robot', password: 'p4ss-word' };
  const registry = await startOciRegistry({ auth });
  after(() => registry.stop());

  test('refuses requests without or with wrong credentials', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    await anonymous.arrayBuffer();
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    const wrong = { url: registry.url, auth: { ...auth, password: 'nope' } };
    await assert.rejects(pushArtifact(wrong, 'app', 'v1', { layers: [] }), (error: unknown) => {
      assert.ok(error instanceof OciRequestError);
      assert.equal(error.status, 401);
      return true;
    });
    await assert.rejects(pullManifest({ url: registry.url }, 'app', 'v1'), /HTTP 401/);
  });

  test('accepts a push and pull with the right credentials', async () => {
    const pushed = await pushArtifact(registry, 'app', 'v1', {
      layers: [{ mediaType: contentType, data: 'tgz' }],
    });
    const pulled = await pullManifest(registry, 'app', 'v1');
    assert.equal(pulled.digest, pushed.digest);
    const ok = await fetch(`${registry.url}/v2/`, { headers: registry.authHeaders() });
    await ok.arrayBuffer();
    assert.equal(ok.status, 200);
  });
});

test('the registry stops answering once disposed', async () => {
  let url: string;
  {
    await using registry = await startOciRegistry();
    url = registry.url;
    const response = await fetch(`${url}/v2/`);
    await response.arrayBuffer();
    assert.equal(response.status, 200);
  }
  await assert.rejects(fetch(`${url}/v2/`), TypeError);
});
