/**
 * Informers against a real kube-apiserver: a restart mid-watch, and a 410 Gone forced by an etcd
 * compaction while the watch was away. The watch cache is off so a watch resuming from a compacted
 * resourceVersion reaches etcd and gets Gone (the cache would otherwise serve it from memory).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Label } from '@weft/api';
import { eventually, startCluster, testNamespace } from '@weft/e2e';
import {
  Client,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type WatchEvent,
  type WatchOptions,
} from '@weft/runtime/client';
import { Informer, type ListWatcher } from '@weft/runtime/informer';
import { sleep } from '@weft/runtime/retry';

/** @weft/e2e's eventually, for a boolean condition. */
const until = (what: string, cond: () => boolean) => eventually(what, () => cond() || undefined, 60_000);

/** Lets a test take the informer's watch away (as a network partition would) and give it back. */
class Partition implements ListWatcher {
  readonly #client: Client;
  #paused = false;
  #current: AbortController | undefined;
  constructor(client: Client) {
    this.#client = client;
  }
  list(options: ListOptions): Promise<ObjectList> {
    return this.#client.list(options);
  }
  async watch(apiVersion: string, kind: string, options: WatchOptions): Promise<AsyncIterable<WatchEvent>> {
    while (this.#paused) await sleep(20);
    const abort = new AbortController();
    options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    this.#current = abort;
    return this.#client.watch(apiVersion, kind, { ...options, signal: abort.signal });
  }
  cut(): void {
    this.#paused = true;
    this.#current?.abort();
  }
  heal(): void {
    this.#paused = false;
  }
}

const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

describe('informer against a real apiserver', { timeout: 300_000 }, () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let client: Client;
  before(async () => {
    cluster = await startCluster({ apiserverArgs: ['--watch-cache=false'] });
    client = new Client(await cluster.kubeConfig(), { fieldManager: 'informer-test' });
  });
  after(() => cluster?.stop());

  it('keeps delivering events after the apiserver restarts mid-watch', async () => {
    const ns = await testNamespace(await cluster.kubeConfig(), 'restart');
    const informer = new Informer(client, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    const seen: string[] = [];
    informer.onAdd((o) => seen.push(`add ${o.metadata.name}`));
    informer.onUpdate((a, b) => {
      if (a.metadata.resourceVersion !== b.metadata.resourceVersion) seen.push(`update ${b.metadata.name}`);
    });
    informer.onDelete((o) => seen.push(`delete ${o.metadata.name}`));
    await informer.start();
    try {
      await client.apply(configMap(ns, 'before', { v: '1' }));
      await until('add before', () => seen.includes('add before'));
      const watchesBefore = informer.stats.watches;

      await cluster.restartApiserver();

      await client.apply(configMap(ns, 'after', { v: '1' }));
      await client.apply(configMap(ns, 'before', { v: '2' }));
      await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'after' });
      await until(
        'events after the restart',
        () => seen.includes('delete after') && seen.includes('update before'),
      );
      assert.ok(informer.stats.watches > watchesBefore, 'the watch was re-opened');
      assert.deepEqual(
        seen.filter((e) => e.endsWith(' after')),
        ['add after', 'delete after'],
      );
      assert.deepEqual(informer.get(`${ns}/before`)?.data, { v: '2' });
      assert.equal(informer.get(`${ns}/before`)?.metadata.managedFields, undefined);
    } finally {
      await informer.stop();
    }
  });

  it('sees only its shard (label selector) and its namespace', async () => {
    const ns = await testNamespace(await cluster.kubeConfig(), 'shard');
    const other = await testNamespace(await cluster.kubeConfig(), 'shard-other');
    const shard = (namespace: string, name: string, key: string | undefined): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels: key ? { [Label.ShardKey]: key } : {} },
    });
    const informer = new Informer(client, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: `${Label.ShardKey}=one`,
    });
    const seen: string[] = [];
    informer.onAdd((o) => seen.push(`add ${o.metadata.name}`));
    informer.onDelete((o) => seen.push(`delete ${o.metadata.name}`));
    await client.apply(shard(ns, 'listed', 'one'));
    await informer.start();
    try {
      await client.apply(shard(ns, 'mine', 'one'));
      await client.apply(shard(ns, 'theirs', 'two'));
      await client.apply(shard(ns, 'unsharded', undefined));
      await client.apply(shard(other, 'elsewhere', 'one'));
      await until('add mine', () => seen.includes('add mine'));
      // Leaving the shard is a delete for this informer.
      await client.patch(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'mine' },
        { metadata: { labels: { [Label.ShardKey]: 'two' } } },
      );
      await until('delete mine', () => seen.includes('delete mine'));
      assert.deepEqual(seen, ['add listed', 'add mine', 'delete mine']);
      assert.deepEqual(
        informer.list().map((o) => o.metadata.name),
        ['listed'],
      );
    } finally {
      await informer.stop();
    }
  });

  it('re-lists after 410 Gone and delivers every change made while the watch was away', async () => {
    const ns = await testNamespace(await cluster.kubeConfig(), 'gone');
    for (let i = 0; i < 20; i++) await client.apply(configMap(ns, `cm-${i}`, { v: '0' }));
    const partition = new Partition(client);
    const informer = new Informer(partition, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const added = new Set<string>();
    const updated = new Set<string>();
    const deleted = new Set<string>();
    informer.onAdd((o) => added.add(o.metadata.name ?? ''));
    informer.onUpdate((a, b) => {
      if (a.metadata.resourceVersion !== b.metadata.resourceVersion) updated.add(b.metadata.name ?? '');
    });
    informer.onDelete((o) => deleted.add(o.metadata.name ?? ''));
    await informer.start();
    try {
      assert.equal(informer.list().filter((o) => o.metadata.name?.startsWith('cm-')).length, 20);
      await until('watch open', () => informer.stats.watches >= 1);
      partition.cut();
      added.clear();
      // Many changes the watch never sees, then their history is compacted away.
      for (let i = 0; i < 10; i++) await client.apply(configMap(ns, `cm-${i}`, { v: '1' }));
      for (let i = 10; i < 15; i++) {
        await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: `cm-${i}` });
      }
      for (let i = 20; i < 30; i++) await client.apply(configMap(ns, `cm-${i}`, { v: '1' }));
      await cluster.etcdCompact();
      partition.heal();

      await until('re-list after Gone', () => informer.stats.gone >= 1 && deleted.size === 5);
      const live = await client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns });
      const liveNames = live.items.map((o) => o.metadata.name).filter((n) => n?.startsWith('cm-'));
      await until(
        'cache matches the server',
        () => informer.list().filter((o) => o.metadata.name?.startsWith('cm-')).length === liveNames.length,
      );
      assert.deepEqual([...deleted].sort(), ['cm-10', 'cm-11', 'cm-12', 'cm-13', 'cm-14']);
      assert.deepEqual([...added].sort(), Array.from({ length: 10 }, (_, i) => `cm-${20 + i}`).sort());
      for (let i = 0; i < 10; i++) assert.ok(updated.has(`cm-${i}`), `update of cm-${i} delivered`);
      for (const name of liveNames) assert.ok(informer.get(`${ns}/${name}`), `${name} cached`);
    } finally {
      await informer.stop();
    }
  });
});
