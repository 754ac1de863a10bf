/**
 * Leader election on a real coordination.k8s.io/v1 Lease: two candidates, exactly one leads;
 * a leader that can no longer reach the API server steps down and the other takes over once
 * the lease expires; a leader that stops releases the lease. Then the same with two controller
 * processes: only the leader reconciles; SIGKILL the leader and the other takes over; SIGTERM
 * it and the lease is released and taken over long before it would have expired.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client, type KubeObject } from '@weft/runtime/client';
import { Informer } from '@weft/runtime/informer';
import { createLogger } from '@weft/runtime/log';
import {
  KubeLeaseStore,
  LeaderElector,
  type LeaseRecord,
  type LeaseStore,
  Manager,
  parseFlags,
  type StoredLease,
} from '@weft/runtime/manager';
import {
  CountingReconciler,
  eventually,
  GitRepositoryRef,
  gate,
  gitRepository,
  managerTestCluster,
  sleep,
} from './helpers.ts';

const { kubeConfig, kubeconfigPath, ns, client } = await managerTestCluster('rt-leader', 'leader-test');

interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number };
}

const readLease = (name: string) =>
  client.get<LeaseObject>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: ns, name });

/** A KubeLeaseStore that can be cut off from the API server, as a crashed or partitioned leader. */
class PartitionableStore implements LeaseStore {
  readonly inner: KubeLeaseStore;
  cut = false;
  constructor(name: string) {
    this.inner = new KubeLeaseStore(kubeConfig, ns, name);
  }
  get description() {
    return this.inner.description;
  }
  #check(): void {
    if (this.cut) throw new Error('connection refused (partitioned by the test)');
  }
  async get(): Promise<StoredLease | undefined> {
    this.#check();
    return this.inner.get();
  }
  async create(record: LeaseRecord): Promise<void> {
    this.#check();
    return this.inner.create(record);
  }
  async update(record: LeaseRecord, version: string): Promise<void> {
    this.#check();
    return this.inner.update(record, version);
  }
}

interface Candidate {
  elector: LeaderElector;
  store: PartitionableStore;
  stop: AbortController;
  done: Promise<void>;
  startedLeading: number;
  stoppedLeading: number;
}

function candidate(lease: string, identity: string, durations: [number, number, number]): Candidate {
  const store = new PartitionableStore(lease);
  const stop = new AbortController();
  const self: Partial<Candidate> = { store, stop, startedLeading: 0, stoppedLeading: 0 };
  const elector = new LeaderElector({
    store,
    identity,
    leaseDurationMs: durations[0],
    renewDeadlineMs: durations[1],
    retryPeriodMs: durations[2],
    onStartedLeading: () => {
      self.startedLeading = (self.startedLeading ?? 0) + 1;
    },
    onStoppedLeading: () => {
      self.stoppedLeading = (self.stoppedLeading ?? 0) + 1;
    },
  });
  self.elector = elector;
  self.done = elector.run(stop.signal);
  after(() => {
    stop.abort();
    return self.done;
  });
  return self as Candidate;
}

/** Watches a set of candidates until stopped; fails if two ever lead at once. */
function watchSplitBrain(candidates: Candidate[]): { stop: () => Promise<number> } {
  let running = true;
  let worst = 0;
  const loop = (async () => {
    while (running) {
      worst = Math.max(worst, candidates.filter((c) => c.elector.isLeader).length);
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return worst;
    },
  };
}

const short: [number, number, number] = [3_000, 2_000, 500];
/** So long that, within a test's timeout, only a released lease can change hands. */
const long: [number, number, number] = [300_000, 200_000, 500];

describe('LeaderElector on a real Lease', { timeout: 120_000 }, () => {
  it('lets exactly one of two candidates lead and records it in the Lease', async () => {
    const a = candidate('one-leader', 'candidate-a', short);
    const b = candidate('one-leader', 'candidate-b', short);
    const split = watchSplitBrain([a, b]);
    const leader = await eventually('a leader', () => [a, b].find((c) => c.elector.isLeader));
    const follower = leader === a ? b : a;
    // Several renew rounds later, the same single leader.
    await sleep(2_500);
    assert.equal(await split.stop(), 1, 'two candidates led at the same time');
    assert.ok(leader.elector.isLeader);
    assert.equal(follower.elector.isLeader, false);
    assert.equal(follower.startedLeading, 0);
    assert.equal(follower.elector.observedLeader, leader.elector.identity);
    const lease = await readLease('one-leader');
    assert.equal(lease.spec?.holderIdentity, leader.elector.identity);
    assert.equal(lease.spec?.leaseDurationSeconds, 3);
  });

  it('hands over to the other candidate when the leader stops renewing (crash or partition)', async () => {
    const a = candidate('crash', 'candidate-a', short);
    const b = candidate('crash', 'candidate-b', short);
    const leader = await eventually('a leader', () => [a, b].find((c) => c.elector.isLeader));
    const follower = leader === a ? b : a;
    const before = (await readLease('crash')).spec?.leaseTransitions ?? 0;
    const split = watchSplitBrain([a, b]);
    // The leader can no longer reach the API server: it neither renews nor releases.
    leader.store.cut = true;
    await eventually('the follower leads', () => (follower.elector.isLeader ? true : undefined));
    assert.equal(await split.stop(), 1, 'the old leader still led when the new one took over');
    assert.equal(leader.elector.isLeader, false, 'the cut-off leader did not step down');
    assert.equal(leader.stoppedLeading, 1);
    await leader.done; // run() returns after losing the lease
    const lease = await readLease('crash');
    assert.equal(lease.spec?.holderIdentity, follower.elector.identity);
    assert.equal(lease.spec?.leaseTransitions, before + 1);
  });

  it('releases the lease on stop, so the other candidate takes over before it expires', async () => {
    const a = candidate('release', 'candidate-a', long);
    const b = candidate('release', 'candidate-b', long);
    const leader = await eventually('a leader', () => [a, b].find((c) => c.elector.isLeader));
    const follower = leader === a ? b : a;
    leader.stop.abort();
    await leader.done;
    assert.equal(leader.stoppedLeading, 1);
    const released = await readLease('release');
    assert.notEqual(released.spec?.holderIdentity, leader.elector.identity, 'the lease was not released');
    // The lease would only expire after 300s: taking it now proves it was given up.
    await eventually('the follower leads', () => (follower.elector.isLeader ? true : undefined));
    assert.equal((await readLease('release')).spec?.holderIdentity, follower.elector.identity);
  });
});

// ---------------------------------------------------------------------------------------------

const fixture = fileURLToPath(new URL('./fixtures/leader-process.ts', import.meta.url));

interface ControllerProcess {
  identity: string;
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  reconciled: () => string[];
  leading: () => boolean;
}

function startProcess(
  identity: string,
  lease: string,
  durations: [number, number, number],
): ControllerProcess {
  const child = spawn(
    process.execPath,
    [
      fixture,
      `--kubeconfig=${kubeconfigPath}`,
      `--namespace=${ns}`,
      '--watch-all-namespaces=false',
      '--enable-leader-election',
      `--leader-election-id=${lease}`,
      `--leader-election-lease-duration=${durations[0]}ms`,
      `--leader-election-renew-deadline=${durations[1]}ms`,
      `--leader-election-retry-period=${durations[2]}ms`,
      '--metrics-addr=127.0.0.1:0',
      '--health-addr=127.0.0.1:0',
    ],
    { env: { ...process.env, WEFT_TEST_IDENTITY: identity }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
      newline = buffered.indexOf('\n');
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = once(child, 'exit').then(([code]) => {
    if (code !== 0 && code !== null && stderr) console.error(`${identity} stderr:\n${stderr}`);
    return code as number | null;
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  });
  return {
    identity,
    child,
    lines,
    exited,
    reconciled: () => lines.filter((l) => typeof l.reconciled === 'string').map((l) => String(l.reconciled)),
    leading: () => lines.some((l) => l.msg === 'became leader'),
  };
}

describe('two controller processes on one Lease', { timeout: 180_000 }, () => {
  it('only the leader reconciles; SIGKILL it and the other takes over and reconciles', async () => {
    const p1 = startProcess('process-1', 'kill-test', short);
    const p2 = startProcess('process-2', 'kill-test', short);
    const leader = await eventually('a leading process', () => [p1, p2].find((p) => p.leading()));
    const standby = leader === p1 ? p2 : p1;
    await client.create(gitRepository(ns, 'watched'));
    await eventually('the leader reconciles', () =>
      leader.reconciled().includes('watched') ? true : undefined,
    );
    await sleep(1_000);
    assert.deepEqual(standby.reconciled(), [], 'the standby reconciled');
    assert.equal(standby.leading(), false);

    leader.child.kill('SIGKILL');
    assert.equal(await leader.exited, null, 'the leader was killed, not exited');
    await eventually('the standby leads', () => (standby.leading() ? true : undefined));
    await eventually('the standby reconciles', () =>
      standby.reconciled().includes('watched') ? true : undefined,
    );
    assert.equal((await readLease('kill-test')).spec?.holderIdentity, standby.identity);
    const obj = await client.get<
      KubeObject & { status?: { conditions?: { type: string; message: string }[] } }
    >({
      ...GitRepositoryRef,
      namespace: ns,
      name: 'watched',
    });
    const artifact = obj.status?.conditions?.find((c) => c.type === 'ArtifactInStorage');
    assert.equal(artifact?.message, standby.identity, 'the new leader wrote the status');
    standby.child.kill('SIGTERM');
    assert.equal(await standby.exited, 0);
  });

  it('SIGTERM releases the lease: the standby takes over long before it would expire', async () => {
    const p1 = startProcess('process-3', 'term-test', long);
    const p2 = startProcess('process-4', 'term-test', long);
    const leader = await eventually('a leading process', () => [p1, p2].find((p) => p.leading()));
    const standby = leader === p1 ? p2 : p1;
    await client.create(gitRepository(ns, 'term-watched'));
    await eventually('the leader reconciles', () =>
      leader.reconciled().includes('term-watched') ? true : undefined,
    );
    assert.deepEqual(standby.reconciled(), [], 'the standby reconciled');
    leader.child.kill('SIGTERM');
    assert.equal(await leader.exited, 0, 'a drained shutdown exits 0');
    assert.ok(leader.lines.some((l) => l.msg === 'stopped'));
    await eventually('the standby leads', () => (standby.leading() ? true : undefined));
    await eventually('the standby reconciles', () =>
      standby.reconciled().includes('term-watched') ? true : undefined,
    );
    assert.equal((await readLease('term-test')).spec?.holderIdentity, standby.identity);
    standby.child.kill('SIGTERM');
    assert.equal(await standby.exited, 0);
  });
});

describe('a Manager that loses its lease', { timeout: 120_000 }, () => {
  it('stops its controllers and exits 1; the standby manager takes over', async () => {
    const exits: number[] = [];
    const stores = [new PartitionableStore('lost-lease'), new PartitionableStore('lost-lease')];
    const managers = stores.map((store, i) => {
      const { runtime: flags } = parseFlags(
        [
          '--enable-leader-election',
          `--leader-election-namespace=${ns}`,
          '--leader-election-lease-duration=3s',
          '--leader-election-renew-deadline=2s',
          '--leader-election-retry-period=500ms',
          // A lost lease must not wait for this: another process may lead already.
          '--graceful-shutdown-timeout=45s',
          '--metrics-addr=0',
          '--health-addr=0',
        ],
        { env: {}, name: 'lost-lease' },
      );
      const manager = new Manager({
        name: 'lost-lease',
        flags,
        kubeConfig,
        leaseStore: store,
        identity: `manager-${i}`,
        processMetrics: false,
        logger: createLogger({ level: 'fatal' }),
        exit: (code) => exits.push(code),
      });
      const reconciler = new CountingReconciler();
      const informerClient = new Client(kubeConfig, { fieldManager: `manager-${i}` });
      manager.addController({
        reconciler,
        informer: new Informer(informerClient, { ...GitRepositoryRef, namespace: ns }),
        client: informerClient,
      });
      after(() => manager.stop());
      return { manager, reconciler, store };
    });
    await client.create(gitRepository(ns, 'lost-lease'));
    for (const m of managers) await m.manager.start();
    const leader = await eventually('a leading manager', () => managers.find((m) => m.manager.leading));
    const standby = leader === managers[0] ? managers[1] : managers[0];
    assert.ok(standby);
    await eventually('the leader reconciles', () =>
      leader.reconciler.count('lost-lease') > 0 ? true : undefined,
    );
    assert.equal(standby.reconciler.count('lost-lease'), 0, 'the standby reconciled');

    // A reconcile in flight on the leader when it loses the lease.
    const started = gate();
    leader.reconciler.behaviour.set('in-flight', { untilAborted: true, onStart: started.open });
    await client.create(gitRepository(ns, 'in-flight'));
    await started.promise;
    const inFlight = leader.reconciler.signals.at(-1);

    leader.store.cut = true;
    await eventually('the old leader exits 1', () => (exits.includes(1) ? true : undefined));
    assert.equal(leader.manager.leading, false);
    assert.equal(inFlight?.aborted, true, 'the in-flight reconcile of a deposed leader was not aborted');
    await eventually('the standby reconciles', () =>
      standby.reconciler.count('lost-lease') > 0 ? true : undefined,
    );
    assert.ok(standby.manager.leading);
    assert.deepEqual(exits, [1]);
  });
});
