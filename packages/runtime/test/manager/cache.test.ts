/**
 * The manager's shared cache on a real apiserver: one informer per kind and scope however many
 * consumers read it; no reconcile before every informer the reconcilers wait for has synced;
 * every watch closed on shutdown; leader-only informers not run by a standby and closed when the
 * lease is lost, while the others keep running on a standby.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type CacheKind, cacheKind } from '@weft/runtime/cache';
import {
  Client,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type WatchEvent,
  type WatchOptions,
} from '@weft/runtime/client';
import type { ListWatcher } from '@weft/runtime/informer';
import { createLogger } from '@weft/runtime/log';
import {
  KubeLeaseStore,
  type LeaseRecord,
  Manager,
  parseFlags,
  type StoredLease,
} from '@weft/runtime/manager';
import {
  CountingReconciler,
  eventually,
  GitRepositoryRef,
  gitRepository,
  managerTestCluster,
  sleep,
} from './helpers.ts';

const { kubeConfig, ns, client } = await managerTestCluster('rt-cache', 'weft-cache-test');

const gitRepositories = cacheKind<KubeObject>(GitRepositoryRef.apiVersion, GitRepositoryRef.kind);
const configMaps: CacheKind = cacheKind('v1', 'ConfigMap');

/** The cache's client, counting lists and open watches per kind; lists of `slowKind` take `slowMs`. */
class CountingClient implements ListWatcher {
  readonly lists = new Map<string, number>();
  readonly openWatches = new Map<string, number>();
  readonly #inner = new Client(kubeConfig);
  readonly #slow: { kind: string; ms: number } | undefined;
  constructor(slow?: { kind: string; ms: number }) {
    this.#slow = slow;
  }
  async list(options: ListOptions): Promise<ObjectList> {
    this.lists.set(options.kind, (this.lists.get(options.kind) ?? 0) + 1);
    if (this.#slow?.kind === options.kind) await sleep(this.#slow.ms);
    return this.#inner.list(options);
  }
  async watch(apiVersion: string, kind: string, options: WatchOptions): Promise<AsyncIterable<WatchEvent>> {
    const events = await this.#inner.watch(apiVersion, kind, options);
    const open = this.openWatches;
    return (async function* counted() {
      open.set(kind, (open.get(kind) ?? 0) + 1);
      try {
        yield* events;
      } finally {
        open.set(kind, (open.get(kind) ?? 0) - 1);
      }
    })();
  }
  open(kind: string): number {
    return this.openWatches.get(kind) ?? 0;
  }
}

function newManager(
  cacheClient: ListWatcher,
  extraFlags: string[] = [],
  extra: Partial<ConstructorParameters<typeof Manager>[0]> = {},
): Manager {
  const { runtime } = parseFlags(
    [
      '--metrics-addr=0',
      '--health-addr=0',
      `--namespace=${ns}`,
      '--watch-all-namespaces=false',
      ...extraFlags,
    ],
    { name: 'cache-test', env: {} },
  );
  const manager = new Manager({
    name: 'cache-test',
    flags: runtime,
    kubeConfig,
    cacheClient,
    logger: createLogger({ level: 'silent' }),
    processMetrics: false,
    ...extra,
  });
  after(() => manager.stop());
  return manager;
}

describe('the manager-owned cache', { timeout: 120_000 }, () => {
  it('gives every consumer of a kind and scope the same informer, listed and watched once', async () => {
    await client.create(gitRepository(ns, 'shared-a'));
    const counting = new CountingClient();
    const manager = newManager(counting);
    const reconciler = new CountingReconciler();
    manager.addController({ reconciler, client });
    // A second consumer in the controller's scope (the watched namespace, no selector).
    const second = manager.cache.informer(gitRepositories, { namespace: ns });
    const seenBySecond: string[] = [];
    second.onAdd((obj) => seenBySecond.push(obj.metadata.name ?? ''));
    assert.equal(manager.cache.informer(gitRepositories, { namespace: ns }), second);
    assert.equal(manager.cache.entries.length, 1);
    await manager.start();
    await eventually('shared-a reconciled', () => (reconciler.count('shared-a') > 0 ? true : undefined));
    assert.ok(seenBySecond.includes('shared-a'));
    assert.equal(manager.cache.get(gitRepositories, ns, 'shared-a')?.metadata.name, 'shared-a');
    assert.equal(counting.lists.get('GitRepository'), 1);
    assert.equal(counting.open('GitRepository'), 1);
  });

  it('runs no reconcile before the informers the reconcilers wait for have synced', async () => {
    await client.create(gitRepository(ns, 'gated-a'));
    await client.create(gitRepository(ns, 'gated-b'));
    // The ConfigMap list is slow: without the gate the GitRepositories would reconcile first.
    const manager = newManager(new CountingClient({ kind: 'ConfigMap', ms: 1_500 }));
    manager.cache.informer(configMaps, { namespace: ns });
    const syncedAtReconcile: boolean[] = [];
    const reconciler = new CountingReconciler();
    const reconcile = reconciler.reconcile.bind(reconciler);
    reconciler.reconcile = (obj, ctx) => {
      syncedAtReconcile.push(manager.cache.hasSynced(configMaps));
      return reconcile(obj, ctx);
    };
    manager.addController({ reconciler, client });
    await manager.start();
    await eventually('gated objects reconciled', () =>
      reconciler.count('gated-a') > 0 && reconciler.count('gated-b') > 0 ? true : undefined,
    );
    assert.ok(syncedAtReconcile.length >= 2);
    assert.deepEqual(
      syncedAtReconcile.filter((synced) => !synced),
      [],
      'a reconcile ran before the ConfigMap cache had synced',
    );
  });

  it('closes every watch on shutdown and sees nothing after it', async () => {
    const counting = new CountingClient();
    const manager = newManager(counting);
    manager.addController({ reconciler: new CountingReconciler(), client });
    const cms = manager.cache.informer(configMaps, { namespace: ns });
    await manager.start();
    await eventually('watches open', () =>
      counting.open('GitRepository') === 1 && counting.open('ConfigMap') === 1 ? true : undefined,
    );
    await manager.stop();
    assert.equal(counting.open('GitRepository'), 0);
    assert.equal(counting.open('ConfigMap'), 0);
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-stop', namespace: ns },
    });
    await sleep(1_000);
    assert.equal(cms.get(`${ns}/after-stop`), undefined);
  });

  it('runs only the informers that are not leader-only on a standby, and closes the leader-only ones on a lost lease', async () => {
    const lease = 'rt-cache-lease';
    const electionFlags = [
      '--enable-leader-election',
      `--leader-election-namespace=${ns}`,
      `--leader-election-id=${lease}`,
      '--leader-election-lease-duration=3000ms',
      '--leader-election-renew-deadline=2000ms',
      '--leader-election-retry-period=500ms',
    ];
    // The leader's lease store can be cut off from the apiserver, so it loses the lease.
    let cut = false;
    const inner = new KubeLeaseStore(kubeConfig, ns, lease);
    const check = () => {
      if (cut) throw new Error('connection refused (cut by the test)');
    };
    const leaseStore = {
      description: inner.description,
      get: async (): Promise<StoredLease | undefined> => {
        check();
        return inner.get();
      },
      create: async (record: LeaseRecord) => {
        check();
        return inner.create(record);
      },
      update: async (record: LeaseRecord, version: string) => {
        check();
        return inner.update(record, version);
      },
    };
    const exits: number[] = [];
    const leaderClient = new CountingClient();
    const leader = newManager(leaderClient, electionFlags, {
      leaseStore,
      identity: 'leader',
      exit: (code) => exits.push(code),
    });
    leader.addController({ reconciler: new CountingReconciler(), client });
    leader.cache.informer(configMaps, { namespace: ns, leaderOnly: false });
    await leader.start();
    await eventually('leader leads', () => (leader.leading ? true : undefined));

    const standbyClient = new CountingClient();
    const standby = newManager(standbyClient, [...electionFlags, '--leader-election-lease-duration=300s'], {
      identity: 'standby',
    });
    standby.addController({ reconciler: new CountingReconciler(), client });
    standby.cache.informer(configMaps, { namespace: ns, leaderOnly: false });
    await standby.start();
    await eventually('standby ConfigMap cache synced', () =>
      standby.cache.hasSynced(configMaps) ? true : undefined,
    );
    assert.equal(standby.leading, false);
    assert.equal(standbyClient.lists.get('GitRepository') ?? 0, 0, 'a standby listed a leader-only kind');
    await eventually('standby watching ConfigMaps', () =>
      standbyClient.open('ConfigMap') === 1 ? true : undefined,
    );

    await eventually('leader watches open', () =>
      leaderClient.open('GitRepository') === 1 ? true : undefined,
    );
    cut = true;
    await eventually(
      'leader stopped after losing the lease',
      () => (exits.length > 0 ? true : undefined),
      30_000,
    );
    assert.deepEqual(exits, [1]);
    assert.equal(leaderClient.open('GitRepository'), 0);
    await standby.stop();
  });
});
