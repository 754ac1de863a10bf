import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuildCache } from './build-cache.ts';

const objects = () => [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', labels: { a: '1' } } },
];

describe('BuildCache', () => {
  it('gives a copy of what it remembers: changing one build changes neither the next nor the cache', () => {
    const cache = new BuildCache();
    const key = BuildCache.key('/x/abc-0', '/x/abc-0/apps', { targetNamespace: 'bench' });
    const built = objects();
    cache.set(key, built);
    (built[0] as { metadata: { name: string } }).metadata.name = 'changed after set';
    const first = cache.get(key) ?? [];
    assert.deepEqual(first, objects());
    (first[0] as { metadata: { labels: Record<string, string> } }).metadata.labels.b = '2';
    assert.deepEqual(cache.get(key), objects());
    assert.equal(cache.hits, 2);
  });

  it('names a build by its extraction, path and every build setting', () => {
    const base = BuildCache.key('/x/abc-0', '/x/abc-0/apps', {});
    const keys = [
      BuildCache.key('/x/abc-1', '/x/abc-1/apps', {}),
      BuildCache.key('/x/abc-0', '/x/abc-0/other', {}),
      BuildCache.key('/x/abc-0', '/x/abc-0/apps', { targetNamespace: 'a' }),
      BuildCache.key('/x/abc-0', '/x/abc-0/apps', { namePrefix: 'p-' }),
      BuildCache.key('/x/abc-0', '/x/abc-0/apps', { nameSuffix: '-s' }),
      BuildCache.key('/x/abc-0', '/x/abc-0/apps', { images: [{ name: 'x', newTag: '1' }] }),
      BuildCache.key('/x/abc-0', '/x/abc-0/apps', { components: ['c'] }),
      BuildCache.key('/x/abc-0', '/x/abc-0/apps', { patches: [{ patch: 'x' }] }),
    ];
    assert.equal(new Set([base, ...keys]).size, keys.length + 1);
    const cache = new BuildCache();
    cache.set(base, objects());
    for (const key of keys) assert.equal(cache.get(key), undefined);
  });

  it('forgets the least recently used build past its size', () => {
    const cache = new BuildCache(2);
    cache.set('a', objects());
    cache.set('b', objects());
    cache.get('a');
    cache.set('c', objects());
    assert.equal(cache.size, 2);
    assert.ok(cache.get('a'));
    assert.equal(cache.get('b'), undefined);
    assert.ok(cache.get('c'));
  });
});
