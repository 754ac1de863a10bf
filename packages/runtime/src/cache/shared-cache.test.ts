/**
 * The shared cache's keys and reads: informers of one kind with different scopes stay apart, and
 * a read that does not say which it means is refused rather than answered from the first one
 * registered. The informers list from an in-memory server that filters by namespace and by
 * `key=value` selectors, as the apiserver does; the manager's e2e (test/manager/cache.test.ts)
 * runs the same cache on a real apiserver.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ListOptions, ObjectList, WatchEvent, WatchOptions } from '../client/client.ts';
import type { KubeObject } from '../client/types.ts';
import type { ListWatcher } from '../informer/informer.ts';
import { CacheScopeError, cacheKind, SharedCache } from './shared-cache.ts';

const configMaps = cacheKind('v1', 'ConfigMap');

function configMap(namespace: string, name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name, labels, resourceVersion: '1' } };
}

/** Lists what matches the request's namespace and `a=b,c=d` selector; watches stay open, silent. */
class SelectingServer implements ListWatcher {
  readonly #objects: KubeObject[];
  constructor(objects: KubeObject[]) {
    this.#objects = objects;
  }
  async list(options: ListOptions): Promise<ObjectList> {
    const terms = (options.labelSelector ?? '')
      .split(',')
      .filter(Boolean)
      .map((term) => term.split('='));
    const items = this.#objects.filter(
      (obj) =>
        (!options.namespace || obj.metadata.namespace === options.namespace) &&
        terms.every(([key, value]) => obj.metadata.labels?.[key ?? ''] === value),
    );
    return { items: structuredClone(items), resourceVersion: '1' };
  }
  async watch(_apiVersion: string, _kind: string, options: WatchOptions): Promise<AsyncIterable<WatchEvent>> {
    const signal = options.signal;
    return {
      async *[Symbol.asyncIterator]() {
        await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
      },
    };
  }
}

const server = new SelectingServer([
  configMap('team-a', 'shard-1-config', { shard: '1' }),
  configMap('team-a', 'shard-2-config', { shard: '2' }),
  configMap('team-b', 'other-config', { shard: '1' }),
]);

const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

async function started(cache: SharedCache): Promise<void> {
  const stop = new AbortController();
  stops.push(stop);
  await Promise.all(cache.entries.map((entry) => entry.informer.start(stop.signal)));
}

const names = (objects: KubeObject[]) => objects.map((obj) => obj.metadata.name).sort();

describe('SharedCache', () => {
  it('keeps one informer per kind and scope, and reads each scope from its own', async () => {
    const cache = new SharedCache(() => server);
    const shard1 = cache.informer(configMaps, { labelSelector: 'shard=1' });
    const shard2 = cache.informer(configMaps, { labelSelector: 'shard=2' });
    assert.notEqual(shard1, shard2);
    assert.equal(
      cache.informer(configMaps, { labelSelector: ' shard=1 ' }),
      shard1,
      'same scope, same informer',
    );
    await started(cache);
    assert.deepEqual(names(cache.list(configMaps, undefined, { labelSelector: 'shard=2' })), [
      'shard-2-config',
    ]);
    assert.deepEqual(names(cache.list(configMaps, 'team-a', { labelSelector: 'shard=1' })), [
      'shard-1-config',
    ]);
    assert.equal(cache.get(configMaps, 'team-a', 'shard-1-config', { labelSelector: 'shard=2' }), undefined);
    assert.equal(
      cache.get(configMaps, 'team-a', 'shard-2-config', { labelSelector: 'shard=2' })?.metadata.name,
      'shard-2-config',
    );
    assert.equal(cache.hasSynced(configMaps, { labelSelector: 'shard=2' }), true);
  });

  it('refuses a read without a scope when the kind has informers of several scopes', async () => {
    const cache = new SharedCache(() => server);
    cache.informer(configMaps, { labelSelector: 'shard=1' });
    cache.informer(configMaps, { labelSelector: 'shard=2' });
    await started(cache);
    for (const read of [
      () => cache.list(configMaps, 'team-a'),
      () => cache.get(configMaps, 'team-a', 'shard-2-config'),
      () => cache.hasSynced(configMaps),
    ]) {
      assert.throws(read, (error: unknown) => {
        assert.ok(error instanceof CacheScopeError);
        assert.match(error.message, /2 informers of ConfigMap \(v1\).*selector shard=1.*selector shard=2/);
        assert.match(error.message, /name the scope/);
        return true;
      });
    }
  });

  it('reads the only informer of a kind without a scope', async () => {
    const cache = new SharedCache(() => server);
    cache.informer(configMaps, { namespace: 'team-a' });
    await started(cache);
    assert.deepEqual(names(cache.list(configMaps)), ['shard-1-config', 'shard-2-config']);
    assert.equal(cache.get(configMaps, 'team-a', 'shard-1-config')?.metadata.name, 'shard-1-config');
    assert.equal(cache.hasSynced(configMaps), true);
    assert.equal(
      cache.has(configMaps, { namespace: 'team-a', labelSelector: '' }),
      true,
      "'' is no selector",
    );
    assert.equal(cache.has(configMaps, { namespace: 'team-b' }), false);
  });

  it('refuses a read of a scope or a namespace that no informer holds', async () => {
    const cache = new SharedCache(() => server);
    cache.informer(configMaps, { namespace: 'team-a' });
    await started(cache);
    assert.throws(() => cache.list(configMaps, undefined, { namespace: 'team-b' }), {
      name: 'CacheScopeError',
      message: /no informer of ConfigMap \(v1\) in namespace team-b/,
    });
    assert.throws(() => cache.get(configMaps, 'team-b', 'other-config'), {
      name: 'CacheScopeError',
      message: /namespace team-a.*holds nothing of namespace team-b/,
    });
    assert.throws(() => cache.list(cacheKind('v1', 'Secret')), {
      name: 'CacheScopeError',
      message: /no informer of Secret \(v1\)/,
    });
    assert.equal(cache.hasSynced(cacheKind('v1', 'Secret')), false, 'hasSynced answers false, never throws');
  });

  it('refuses a second registration of a scope that shapes or starts it otherwise than the first', () => {
    const cache = new SharedCache(() => server);
    const metadataOnly = (obj: KubeObject): KubeObject => ({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: obj.metadata,
    });
    const informer = cache.informer(configMaps, { namespace: 'team-a', transform: metadataOnly });
    assert.equal(cache.informer(configMaps, { namespace: 'team-a', transform: metadataOnly }), informer);
    assert.throws(() => cache.informer(configMaps, { namespace: 'team-a' }), {
      name: 'CacheScopeError',
      message: /already holds an informer of ConfigMap \(v1\) in namespace team-a.*another transform/,
    });
    assert.throws(
      () =>
        cache.informer(configMaps, { namespace: 'team-a', transform: metadataOnly, startAfterSync: true }),
      { name: 'CacheScopeError', message: /another startAfterSync/ },
    );
    assert.equal(cache.entries.length, 1);
  });

  it('runs a shared informer as every consumer of its scope needs', () => {
    const cache = new SharedCache(() => server);
    // A reader that may do without it (its CRD may be missing), then the kind's own controller.
    cache.informer(configMaps, { namespace: 'team-a', waitForSync: false });
    cache.informer(configMaps, { namespace: 'team-a' });
    // A leader's consumer, then one a standby needs too.
    cache.informer(configMaps, { namespace: 'team-b' });
    cache.informer(configMaps, { namespace: 'team-b', leaderOnly: false, waitForSync: false });
    const run = cache.entries.map(({ scope, leaderOnly, waitForSync }) => ({
      scope,
      leaderOnly,
      waitForSync,
    }));
    assert.deepEqual(run, [
      { scope: { namespace: 'team-a', labelSelector: undefined }, leaderOnly: true, waitForSync: true },
      { scope: { namespace: 'team-b', labelSelector: undefined }, leaderOnly: false, waitForSync: true },
    ]);
  });
});
