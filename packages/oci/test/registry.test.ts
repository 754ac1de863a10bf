import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type OciRegistry, pushArtifact as pushRaw, startOciRegistry } from '@weft/e2e';
import {
  MediaType,
  type OciError,
  pullArtifact,
  pushArtifact,
  RegistryClient,
  tagArtifact,
} from '../src/index.ts';

const auth = { username: 'ci', password: 'pushing-secret' };

async function contentDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-oci-content-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('against the registry without auth', () => {
  let registry: OciRegistry;
  let client: RegistryClient;
  const dirs: string[] = [];
  before(async () => {
    registry = await startOciRegistry();
    client = new RegistryClient({ registry: registry.host, insecure: true });
  });
  after(async () => {
    client.close();
    await registry.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('push then pull gives the same files, Flux media types and annotations', async () => {
    const dir = await contentDir({ 'app/deploy.yaml': 'kind: ConfigMap\n', 'README.md': 'hi\n' });
    dirs.push(dir);
    const created = new Date('2026-01-02T03:04:05Z');
    const pushed = await pushArtifact({
      client,
      repository: 'team/app',
      tag: 'v1.0.0',
      dir,
      source: 'https://git.example/app',
      revision: 'main@sha1:abc',
      created,
    });
    const again = await pushArtifact({ client, repository: 'team/app', tag: 'v1.0.1', dir, created });
    assert.equal(again.layer.digest, pushed.layer.digest, 'packing is deterministic');
    const fetched = await client.getManifest('team/app', 'v1.0.0');
    assert.equal(fetched.digest, pushed.digest);
    assert.equal(fetched.manifest.config.mediaType, MediaType.fluxConfig);
    assert.equal(fetched.manifest.layers[0]?.mediaType, MediaType.fluxContent);
    assert.deepEqual(fetched.manifest.annotations, {
      'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
      'org.opencontainers.image.source': 'https://git.example/app',
      'org.opencontainers.image.revision': 'main@sha1:abc',
    });
    assert.equal((await client.resolve('team/app', 'v1.0.0')).digest, pushed.digest);
    const out = join(dir, '..', `${dir.split('/').pop()}-out`);
    dirs.push(out);
    await pullArtifact({ client, repository: 'team/app', reference: pushed.digest, dir: out });
    assert.equal(await readFile(join(out, 'app/deploy.yaml'), 'utf8'), 'kind: ConfigMap\n');
  });

  // Debian's distribution 2.8 ignores `n` on tag lists (pagination came in 3.0): src/tags.test.ts covers Link pages.
  test('tags are listed; tag artifact points a new tag at the same digest', async () => {
    const dir = await contentDir({ 'a.yaml': 'a: 1\n' });
    dirs.push(dir);
    const pushed = await pushArtifact({ client, repository: 'paged', tag: 't1', dir });
    for (const tag of ['t2', 't3', 't4', 't5']) await tagArtifact(client, 'paged', 't1', tag);
    assert.deepEqual((await client.listTags('paged', { pageSize: 2 })).sort(), [
      't1',
      't2',
      't3',
      't4',
      't5',
    ]);
    assert.equal((await client.resolve('paged', 't5')).digest, pushed.digest);
  });

  test('a layer larger than the cap is refused before download; a lying descriptor is refused while streaming', async () => {
    const data = Buffer.from('x'.repeat(1000));
    const raw = await pushRaw({ url: registry.url }, 'hostile', 'v1', {
      layers: [{ mediaType: MediaType.fluxContent, data }],
    });
    const layer = raw.manifest.layers[0];
    assert.ok(layer);
    const file = join(tmpdir(), `weft-oci-blob-${process.pid}`);
    await assert.rejects(
      client.downloadBlob('hostile', layer, file, 999),
      (error: OciError) => error.code === 'TooLarge',
    );
    // The registry serves the real 1000 bytes; a descriptor claiming 10 must not be trusted.
    await assert.rejects(
      client.downloadBlob('hostile', { ...layer, size: 10 }, file, 1_000_000),
      (error: OciError) => error.code === 'DigestMismatch',
    );
    await assert.rejects(stat(file), { code: 'ENOENT' }, 'no partial file left behind');
    const other = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(
      client.getManifest('hostile', other),
      (error: OciError) => error.code === 'NotFound',
    );
  });
});

describe('against the registry with htpasswd auth', () => {
  let registry: OciRegistry;
  const dirs: string[] = [];
  before(async () => {
    registry = await startOciRegistry({ auth });
  });
  after(async () => {
    await registry.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('the right credentials push and pull', async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true, credentials: auth });
    const dir = await contentDir({ 'x.yaml': 'x: 1\n' });
    dirs.push(dir);
    const pushed = await pushArtifact({ client, repository: 'private/app', tag: 'latest', dir });
    assert.equal((await client.resolve('private/app', 'latest')).digest, pushed.digest);
    client.close();
  });

  test('wrong or missing credentials fail as Unauthorized without the password in the message', async () => {
    const wrong = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'ci', password: 'not-the-password' },
    });
    await assert.rejects(
      wrong.resolve('private/app', 'latest'),
      (error: OciError) =>
        error.code === 'Unauthorized' &&
        /authentication to 127\.0\.0\.1/.test(error.message) &&
        !error.message.includes('not-the-password'),
    );
    const anonymous = new RegistryClient({ registry: registry.host, insecure: true });
    await assert.rejects(
      anonymous.listTags('private/app'),
      (error: OciError) => error.code === 'Unauthorized',
    );
    wrong.close();
    anonymous.close();
  });
});
