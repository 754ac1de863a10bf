import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep } from '@weft/runtime/retry';
import type { ListOptions, ObjectList, WatchEvent, WatchOptions } from '../client/client.ts';
import { errorFromStatus } from '../client/errors.ts';
import type { KubeObject } from '../client/types.ts';
import { Informer, type ListWatcher } from './informer.ts';

/** A watch stream the test feeds by hand. */
class Channel implements AsyncIterable<WatchEvent> {
  readonly #items: WatchEvent[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  #error: unknown;
  push(event: WatchEvent): void {
    this.#items.push(event);
    this.#wake?.();
  }
  end(): void {
    this.#done = true;
    this.#wake?.();
  }
  fail(err: unknown): void {
    this.#error = err;
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    for (;;) {
      const item = this.#items.shift();
      if (item) yield item;
      else if (this.#error) throw this.#error;
      else if (this.#done) return;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

const cm = (name: string, rv: number, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: String(rv), managedFields: [{ manager: 'x' }] },
  data,
});

class FakeServer implements ListWatcher {
  objects = new Map<string, KubeObject>();
  rv = 1;
  lists = 0;
  watches: Array<{ options: WatchOptions; channel: Channel }> = [];
  async list(_options: ListOptions): Promise<ObjectList> {
    this.lists++;
    return {
      items: [...this.objects.values()].map((o) => structuredClone(o)),
      resourceVersion: String(this.rv),
    };
  }
  async watch(_apiVersion: string, _kind: string, options: WatchOptions): Promise<AsyncIterable<WatchEvent>> {
    const channel = new Channel();
    options.signal?.addEventListener('abort', () => channel.fail(new Error('aborted')), { once: true });
    this.watches.push({ options, channel });
    return channel;
  }
  put(name: string, data: Record<string, string> = {}): KubeObject {
    const obj = cm(name, ++this.rv, data);
    this.objects.set(name, obj);
    return structuredClone(obj);
  }
  get current(): Channel {
    const last = this.watches.at(-1);
    assert.ok(last, 'no watch open');
    return last.channel;
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await sleep(5);
  }
  assert.fail(`never happened: ${what}`);
}

function recorder(informer: Informer) {
  const log: string[] = [];
  informer
    .onAdd((o) => log.push(`add ${o.metadata.name}`))
    .onUpdate((a, b) =>
      log.push(`update ${a.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    )
    .onDelete((o) => log.push(`delete ${o.metadata.name}`));
  return log;
}

const newInformer = (server: FakeServer, extra: Partial<ConstructorParameters<typeof Informer>[1]> = {}) =>
  new Informer(server, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    backoff: { initialMs: 1, maxMs: 5 },
    ...extra,
  });

describe('Informer', () => {
  it('lists into the cache, strips managedFields and delivers watch events', async () => {
    const server = new FakeServer();
    server.put('a');
    const informer = newInformer(server);
    const log = recorder(informer);
    await informer.start();
    assert.equal(informer.hasSynced, true);
    assert.equal(informer.get('ns/a')?.metadata.managedFields, undefined);
    await until('watch opened', () => server.watches.length === 1);
    assert.equal(server.watches[0]?.options.resourceVersion, '2');
    assert.equal(server.watches[0]?.options.allowWatchBookmarks, true);

    server.current.push({ type: 'ADDED', object: server.put('b') });
    server.current.push({ type: 'MODIFIED', object: server.put('a', { k: 'v' }) });
    server.current.push({ type: 'DELETED', object: cm('b', 5) });
    server.current.push({
      type: 'BOOKMARK',
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '9' } },
    });
    await until('bookmark seen', () => informer.resourceVersion === '9');
    assert.deepEqual(log, ['add a', 'add b', 'update a 2->4', 'delete b']);
    assert.deepEqual(
      informer.list().map((o) => o.metadata.name),
      ['a'],
    );
    assert.deepEqual(informer.get('ns/a')?.data, { k: 'v' });

    // The server closes the watch: the next one resumes from the bookmark, no re-list.
    server.current.end();
    await until('second watch', () => server.watches.length === 2);
    assert.equal(server.watches[1]?.options.resourceVersion, '9');
    assert.equal(server.lists, 1);
    await informer.stop();
  });

  it('re-lists on 410 Gone and delivers the adds, updates and deletes it missed', async () => {
    const server = new FakeServer();
    server.put('keep');
    server.put('change');
    server.put('remove');
    const informer = newInformer(server);
    const log = recorder(informer);
    await informer.start();
    await until('watch opened', () => server.watches.length === 1);
    // Changes the watch never reports, then the resume point is compacted away.
    server.put('change', { x: '1' });
    server.objects.delete('remove');
    server.put('new');
    server.current.push({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' },
    });
    await until('re-listed', () => server.lists === 2 && server.watches.length === 2);
    assert.deepEqual(log.slice(3).sort(), ['add new', 'delete remove', 'update change 3->5'].sort());
    assert.equal(informer.stats.gone, 1);
    assert.deepEqual(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
      ['change', 'keep', 'new'],
    );
    assert.equal(server.watches[1]?.options.resourceVersion, String(server.rv));
    await informer.stop();
  });

  it('restarts a watch that went silent, from the same resourceVersion', async () => {
    const server = new FakeServer();
    server.put('a');
    const informer = newInformer(server, { stallTimeoutMs: 30 });
    await informer.start();
    await until('watch restarted', () => server.watches.length >= 2);
    assert.ok(informer.stats.stalls >= 1);
    assert.equal(server.watches[1]?.options.resourceVersion, '2');
    assert.equal(server.lists, 1);
    await informer.stop();
  });

  it('retries a failed watch with backoff and keeps going when a handler throws', async () => {
    const server = new FakeServer();
    const informer = newInformer(server);
    const errors: unknown[] = [];
    informer.onError((err) => errors.push(err));
    informer.onAdd(() => {
      throw new Error('handler bug');
    });
    const seen: string[] = [];
    informer.onAdd((o) => seen.push(o.metadata.name ?? ''));
    await informer.start();
    await until('watch opened', () => server.watches.length === 1);
    server.current.fail(errorFromStatus(500, { message: 'etcd hiccup' }));
    await until('watch reopened', () => server.watches.length === 2);
    server.current.push({ type: 'ADDED', object: server.put('x') });
    await until('delivered', () => seen.includes('x'));
    assert.ok(errors.some((e) => e instanceof Error && e.message === 'handler bug'));
    assert.ok(errors.some((e) => e instanceof Error && e.message.includes('etcd hiccup')));
    await informer.stop();
  });

  it('resync re-delivers every cached object as an update', async () => {
    const server = new FakeServer();
    server.put('a');
    server.put('b');
    const informer = newInformer(server);
    const log = recorder(informer);
    await informer.start();
    informer.resync();
    assert.deepEqual(log.slice(2), ['update a 2->2', 'update b 3->3']);
    await informer.stop();
  });

  it('stops when the start signal aborts', async () => {
    const server = new FakeServer();
    const informer = newInformer(server);
    const abort = new AbortController();
    await informer.start(abort.signal);
    await until('watch opened', () => server.watches.length === 1);
    abort.abort();
    await until('watch closed', () => server.watches[0]?.options.signal?.aborted === true);
    await sleep(30);
    assert.equal(server.watches.length, 1, 'no new watch after the signal aborted');
    await informer.stop();
  });

  it('rejects waiters when stopped before it synced', async () => {
    const server = new FakeServer();
    server.list = () => Promise.reject(new Error('cannot list'));
    const informer = newInformer(server);
    const started = informer.start();
    await informer.stop();
    await assert.rejects(started, /stopped before it synced/);
  });
});
