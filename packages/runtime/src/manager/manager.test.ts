import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { KubeObject } from '@weft/runtime/client';
import type { EventSink } from '@weft/runtime/events';
import { createLogger } from '@weft/runtime/log';
import {
  FlagError,
  Manager,
  MemoryLeaseStore,
  parseAddress,
  parseFlags,
  shardScope,
  watchNamespace,
} from '@weft/runtime/manager';
import { FakeScheduler } from '@weft/runtime/queue';
import type { InformerLike, PatchClient, Reconciler } from '@weft/runtime/reconcile';

describe('parseFlags', () => {
  it('has Flux-like defaults', () => {
    const { runtime } = parseFlags([], { env: {}, name: 'source-controller' });
    assert.equal(runtime.concurrent, 4);
    assert.equal(runtime.watchAllNamespaces, true);
    assert.equal(runtime.metricsAddr, ':8080');
    assert.equal(runtime.healthAddr, ':9440');
    assert.equal(runtime.enableLeaderElection, false);
    assert.equal(runtime.leaderElectionId, 'source-controller-leader-election');
    assert.deepEqual(
      [runtime.leaseDurationMs, runtime.renewDeadlineMs, runtime.retryPeriodMs],
      [15_000, 10_000, 2_000],
    );
    assert.deepEqual(
      [runtime.gracefulShutdownTimeoutMs, runtime.minRetryDelayMs, runtime.maxRetryDelayMs],
      [30_000, 750, 15 * 60_000],
    );
    assert.equal(runtime.logLevel, 'info');
    assert.equal(watchNamespace(runtime), undefined);
    assert.deepEqual(shardScope(runtime), { namespace: undefined, labelSelector: undefined });
  });

  it('reads Go-style flags, booleans with =false, and the controller’s own flags', () => {
    const { runtime, values } = parseFlags(
      [
        '--concurrent=10',
        '--watch-label-selector',
        'sharding.weft.dev/key=shard1',
        '--watch-all-namespaces=false',
        '--enable-leader-election',
        '--leader-election-lease-duration=30s',
        '--log-level=debug',
        '--kubeconfig=/tmp/kc',
        '--storage-path=/data',
      ],
      { env: { RUNTIME_NAMESPACE: 'flux-system' }, extra: { 'storage-path': { type: 'string' } } },
    );
    assert.equal(runtime.concurrent, 10);
    assert.equal(runtime.watchLabelSelector, 'sharding.weft.dev/key=shard1');
    assert.equal(watchNamespace(runtime), 'flux-system');
    assert.deepEqual(shardScope(runtime), {
      namespace: 'flux-system',
      labelSelector: 'sharding.weft.dev/key=shard1',
    });
    assert.equal(runtime.enableLeaderElection, true);
    assert.equal(runtime.leaderElectionNamespace, 'flux-system');
    assert.equal(runtime.leaseDurationMs, 30_000);
    assert.equal(runtime.logLevel, 'debug');
    assert.equal(runtime.kubeconfig, '/tmp/kc');
    assert.equal(values['storage-path'], '/data');
  });

  it('reads flags named no-… as written, with Go boolean syntax, last one winning', () => {
    const extra = { 'no-cross-namespace-refs': { type: 'boolean', default: false } } as const;
    const read = (argv: string[]) => parseFlags(argv, { env: {}, extra }).values['no-cross-namespace-refs'];
    assert.equal(read([]), false);
    assert.equal(read(['--no-cross-namespace-refs']), true);
    assert.equal(read(['--no-cross-namespace-refs=true']), true);
    assert.equal(read(['-no-cross-namespace-refs']), true);
    assert.equal(read(['--no-cross-namespace-refs=false']), false);
    assert.equal(read(['--no-cross-namespace-refs', '--no-cross-namespace-refs=false']), false);
    assert.equal(read(['--no-cross-namespace-refs=false', '--no-cross-namespace-refs']), true);
    assert.throws(() => read(['--no-cross-namespace-refs=maybe']), FlagError);
    // `--no-x` is not Go syntax for x=false: an unknown flag.
    assert.throws(() => parseFlags(['--no-enable-leader-election'], { env: {} }), FlagError);
    const { runtime } = parseFlags(['--enable-leader-election=true', '--watch-all-namespaces=false'], {
      env: {},
    });
    assert.deepEqual([runtime.enableLeaderElection, runtime.watchAllNamespaces], [true, false]);
  });

  it('refuses bad values with the flag named', () => {
    for (const argv of [
      ['--concurrent=0'],
      ['--log-level=loud'],
      ['--leader-election-renew-deadline=20s'],
      ['--unknown-flag'],
      ['--min-retry-delay=abc'],
    ]) {
      assert.throws(() => parseFlags(argv, { env: {} }), FlagError, argv.join(' '));
    }
    assert.throws(
      () => parseFlags(['--no-such-flag'], { env: {} }),
      (error: unknown) =>
        error instanceof FlagError &&
        error.flag === 'no-such-flag' &&
        error.message === '--no-such-flag: not a flag of this controller',
    );
    for (const flag of ['graceful-shutdown-timeout', 'leader-election-retry-period', 'max-retry-delay']) {
      assert.throws(
        () => parseFlags([`--${flag}=soon`], { env: {} }),
        (error: unknown) => error instanceof FlagError && error.flag === flag,
        flag,
      );
    }
  });

  it('parses listen addresses', () => {
    assert.deepEqual(parseAddress(':8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseAddress('127.0.0.1:9440'), { host: '127.0.0.1', port: 9440 });
    assert.deepEqual(parseAddress('[::1]:80'), { host: '::1', port: 80 });
    assert.equal(parseAddress('0'), undefined);
    assert.throws(() => parseAddress('8080'));
  });
});

class FakeInformer implements InformerLike<KubeObject> {
  readonly store = new Map<string, KubeObject>();
  readonly adds: Array<(o: KubeObject) => void> = [];
  hasSynced = false;
  started = 0;
  stopped = 0;
  onAdd(h: (o: KubeObject) => void) {
    this.adds.push(h);
  }
  onUpdate() {}
  onDelete() {}
  get(key: string) {
    return this.store.get(key);
  }
  async start() {
    this.started++;
    this.hasSynced = true;
    for (const obj of this.store.values()) for (const h of this.adds) h(obj);
  }
  async stop() {
    this.stopped++;
  }
}

const silent = () =>
  createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const nullSink: EventSink = { create: async () => ({ name: 'e' }), patch: async () => {} };
const client: PatchClient = {
  patch: async (ref, patch) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(patch as { metadata: object }).metadata },
  }),
  patchStatus: async (ref) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name } }),
};

function makeManager(identity: string, store: MemoryLeaseStore, scheduler: FakeScheduler) {
  const { runtime } = parseFlags(
    ['--metrics-addr=127.0.0.1:0', '--health-addr=127.0.0.1:0', '--enable-leader-election'],
    { env: {} },
  );
  const informer = new FakeInformer();
  informer.store.set('ns/app', {
    apiVersion: 'test.weft.dev/v1',
    kind: 'Thing',
    metadata: { name: 'app', namespace: 'ns', generation: 1, finalizers: ['finalizers.weft.dev'] },
    spec: { interval: '5m' },
  });
  let reconciles = 0;
  const reconciler: Reconciler<KubeObject> = {
    apiVersion: 'test.weft.dev/v1',
    kind: 'Thing',
    reconcile: async () => {
      reconciles++;
    },
  };
  const exits: number[] = [];
  const manager = new Manager({
    name: 'test-controller',
    flags: runtime,
    logger: silent(),
    eventSink: nullSink,
    leaseStore: store,
    identity,
    scheduler,
    random: () => 0,
    processMetrics: false,
    exit: (code) => exits.push(code),
  });
  manager.addController({ reconciler, informer, client });
  return { manager, informer, exits, reconciles: () => reconciles };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('Manager', () => {
  it('elected() resolves false for a standby that stops without ever leading', async () => {
    const store = new MemoryLeaseStore();
    const scheduler = new FakeScheduler(Date.parse('2026-01-01T00:00:00Z'));
    const leader = makeManager('leader', store, scheduler);
    const standby = makeManager('standby', store, scheduler);
    await leader.manager.start();
    await flush();
    await standby.manager.start();
    await flush();
    let settled: boolean | undefined;
    void standby.manager.elected().then((value) => {
      settled = value;
    });
    await flush();
    assert.equal(settled, undefined, 'a standby is not elected while the leader holds the lease');
    await standby.manager.stop();
    assert.equal(await standby.manager.elected(), false);
    await leader.manager.stop();
  });

  it('only the leader runs controllers; the standby takes over when the leader stops', async () => {
    const store = new MemoryLeaseStore();
    const scheduler = new FakeScheduler(Date.parse('2026-01-01T00:00:00Z'));
    const a = makeManager('a', store, scheduler);
    const b = makeManager('b', store, scheduler);
    await a.manager.start();
    await flush();
    await b.manager.start();
    await flush();
    await a.manager.controllers[0]?.queue.onIdle();
    assert.equal(a.manager.leading, true);
    assert.equal(b.manager.leading, false);
    assert.equal(await a.manager.elected(), true, 'elected() resolves for the leader');
    assert.equal(a.informer.started, 1);
    assert.equal(b.informer.started, 0, 'a standby starts no informer');
    assert.equal(a.reconciles(), 1);

    const metricsPort = a.manager.probes.addresses.metrics?.port;
    const healthPort = a.manager.probes.addresses.health?.port;
    const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^weft_reconcile_total\{kind="Thing",result="success"\} 1$/m);
    assert.equal((await get(`http://127.0.0.1:${healthPort}/healthz`)).status, 200);
    assert.equal((await get(`http://127.0.0.1:${healthPort}/readyz`)).status, 200);
    const standbyReady = await get(`http://127.0.0.1:${b.manager.probes.addresses.health?.port}/readyz`);
    assert.equal(standbyReady.status, 200, 'a standby is ready');
    assert.equal((await get(`http://127.0.0.1:${healthPort}/nope`)).status, 404);

    assert.equal(await a.manager.stop(), true);
    assert.equal(a.informer.stopped, 1);
    assert.equal((await store.get())?.record.holderIdentity, '', 'the lease was released');
    for (let i = 0; i < 30; i++) {
      scheduler.advance(100);
      await flush();
    }
    await b.manager.controllers[0]?.queue.onIdle();
    assert.equal(b.manager.leading, true);
    assert.equal(b.reconciles(), 1);
    await b.manager.stop();
    assert.deepEqual([a.exits, b.exits], [[], []]);
  });

  it('reports not ready while the leader’s informers have not synced', async () => {
    const store = new MemoryLeaseStore();
    const scheduler = new FakeScheduler();
    const a = makeManager('a', store, scheduler);
    a.informer.start = async () => {
      a.informer.started++;
    };
    await a.manager.start();
    await flush();
    const res = await get(`http://127.0.0.1:${a.manager.probes.addresses.health?.port}/readyz`);
    assert.equal(res.status, 500);
    assert.match(res.body, /informers failed: 1 informer\(s\) not synced/);
    await a.manager.stop();
  });

  it('stops on SIGTERM and exits 0', async () => {
    const store = new MemoryLeaseStore();
    const a = makeManager('a', store, new FakeScheduler());
    await a.manager.start();
    const listeners = new Map<string, () => void>();
    a.manager.handleSignals({
      once: ((event: string, listener: () => void) => {
        listeners.set(event, listener);
        return process;
      }) as NodeJS.Process['once'],
    });
    listeners.get('SIGTERM')?.();
    for (let i = 0; i < 20 && a.exits.length === 0; i++) await flush();
    assert.deepEqual(a.exits, [0]);
  });
});
