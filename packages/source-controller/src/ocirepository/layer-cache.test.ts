import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FetchedManifest } from '@weft/oci';
import { LayerCache, type LayerCacheKey } from './layer-cache.ts';

const key = (extra: Partial<LayerCacheKey> = {}): LayerCacheKey => ({
  registry: 'r.io',
  repository: 'team/app',
  layerDigest: `sha256:${'a'.repeat(64)}`,
  operation: 'extract',
  ignore: undefined,
  ...extra,
});

test('a hit copies the tarball; another repository, ignore or operation is a miss; LRU eviction', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-layer-cache-test-'));
  try {
    const cache = new LayerCache(2);
    await writeFile(join(dir, 'a.tar.gz'), 'A');
    await cache.put(key(), join(dir, 'a.tar.gz'), 'sha256:a');
    assert.equal(await cache.copyTo(key(), join(dir, 'out')), 'sha256:a');
    assert.equal(await readFile(join(dir, 'out'), 'utf8'), 'A');
    assert.equal(await cache.copyTo(key({ repository: 'other/app' }), join(dir, 'x')), undefined);
    assert.equal(await cache.copyTo(key({ ignore: '*.md' }), join(dir, 'x')), undefined);
    assert.equal(await cache.copyTo(key({ operation: 'copy' }), join(dir, 'x')), undefined);
    await cache.put(key({ repository: 'b' }), join(dir, 'a.tar.gz'), 'sha256:b');
    await cache.copyTo(key(), join(dir, 'out')); // key() is now the most recent
    await cache.put(key({ repository: 'c' }), join(dir, 'a.tar.gz'), 'sha256:c');
    assert.equal(await cache.copyTo(key({ repository: 'b' }), join(dir, 'x')), undefined, 'b was evicted');
    assert.equal(await cache.copyTo(key(), join(dir, 'out')), 'sha256:a');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('manifests are shared by registry, repository and digest; large ones are not kept', () => {
  const cache = new LayerCache(2);
  const manifest = (digest: string, size = 100) =>
    ({ digest, size, mediaType: 'm', bytes: Buffer.alloc(0), manifest: {} }) as unknown as FetchedManifest;
  cache.putManifest('r.io', 'team/app', manifest('sha256:1'));
  assert.equal(cache.manifest('r.io', 'team/app', 'sha256:1')?.digest, 'sha256:1');
  assert.equal(cache.manifest('r.io', 'other/app', 'sha256:1'), undefined, 'another repository');
  assert.equal(cache.manifest('s.io', 'team/app', 'sha256:1'), undefined, 'another registry');
  cache.putManifest('r.io', 'team/app', manifest('sha256:big', 1024 * 1024));
  assert.equal(cache.manifest('r.io', 'team/app', 'sha256:big'), undefined, 'too large to keep');
  cache.putManifest('r.io', 'team/app', manifest('sha256:2'));
  cache.putManifest('r.io', 'team/app', manifest('sha256:3'));
  assert.equal(cache.manifest('r.io', 'team/app', 'sha256:1'), undefined, 'evicted');
  assert.equal(new LayerCache(0).manifest('r.io', 'team/app', 'sha256:1'), undefined);
});

test('objects reconciled at once wait for one fetch and one build; a failed one is retried by the next', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-layer-cache-test-'));
  try {
    const cache = new LayerCache(4);
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      const path = join(dir, `built-${builds}.tar.gz`);
      await writeFile(path, 'B');
      return { path, digest: 'sha256:b' };
    };
    const results = await Promise.all(
      [1, 2, 3].map((i) => cache.copyOrBuild(key(), join(dir, `out-${i}`), build)),
    );
    assert.equal(builds, 1);
    assert.deepEqual(
      results.map((r) => [r.digest, r.built]),
      [
        ['sha256:b', true],
        ['sha256:b', false],
        ['sha256:b', false],
      ],
    );
    assert.equal(await readFile(join(dir, 'out-3'), 'utf8'), 'B');

    let fetches = 0;
    const manifest = { digest: 'sha256:m', size: 10 } as unknown as FetchedManifest;
    const failing = cache.manifestOr('r.io', 'team/app', 'sha256:m', async () => {
      fetches++;
      throw new Error('registry down');
    });
    const next = cache.manifestOr('r.io', 'team/app', 'sha256:m', async () => {
      fetches++;
      return manifest;
    });
    await assert.rejects(failing, /registry down/);
    assert.equal(await next, manifest, 'the waiter fetched itself after the failure');
    assert.equal(
      await cache.manifestOr('r.io', 'team/app', 'sha256:m', async () => {
        throw new Error('not called');
      }),
      manifest,
    );
    assert.equal(fetches, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
