import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaderElector, type LeaseRecord, MemoryLeaseStore } from '@weft/runtime/manager';
import { FakeScheduler } from '@weft/runtime/queue';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Moves the fake clock in small steps, letting the election loops run between them. */
async function elapse(scheduler: FakeScheduler, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    scheduler.advance(Math.min(step, ms - t));
    await flush();
  }
}

function candidate(store: MemoryLeaseStore, scheduler: FakeScheduler, identity: string) {
  const log: string[] = [];
  const elector = new LeaderElector({
    store,
    identity,
    scheduler,
    random: () => 0,
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => log.push('stopped'),
  });
  return { elector, log, abort: new AbortController() };
}

const start = Date.parse('2026-01-01T00:00:00Z');

/** Candidates `a` and `b` of one lease on one fake clock. */
function twoCandidates(now?: number) {
  const store = new MemoryLeaseStore();
  const scheduler = new FakeScheduler(now);
  return { store, scheduler, a: candidate(store, scheduler, 'a'), b: candidate(store, scheduler, 'b') };
}

describe('LeaderElector', () => {
  it('the first candidate takes a free lease; another cannot while it is renewed', async () => {
    const { store, scheduler, a, b } = twoCandidates(start);
    assert.equal(await a.elector.tryAcquireOrRenew(), true);
    assert.equal(await b.elector.tryAcquireOrRenew(), false);
    assert.equal(b.elector.observedLeader, 'a');
    for (let i = 0; i < 20; i++) {
      scheduler.advance(2000);
      assert.equal(await a.elector.tryAcquireOrRenew(), true, 'the holder renews');
      assert.equal(await b.elector.tryAcquireOrRenew(), false, 'a renewed lease is never taken');
    }
    const lease = await store.get();
    assert.equal(lease?.record.holderIdentity, 'a');
    assert.equal(lease?.record.leaseTransitions, 0);
  });

  it('a standby takes over once the lease has not been renewed for the lease duration', async () => {
    const { store, scheduler, a, b } = twoCandidates(start);
    assert.equal(await a.elector.tryAcquireOrRenew(), true);
    assert.equal(await b.elector.tryAcquireOrRenew(), false);
    // `a` dies: nobody renews. b only trusts its own clock since it first saw the record.
    scheduler.advance(14_999);
    assert.equal(await b.elector.tryAcquireOrRenew(), false);
    scheduler.advance(1);
    assert.equal(await b.elector.tryAcquireOrRenew(), true);
    const lease = (await store.get())?.record as LeaseRecord;
    assert.equal(lease.holderIdentity, 'b');
    assert.equal(lease.leaseTransitions, 1);
    assert.equal(lease.acquireTime, '2026-01-01T00:00:15.000000Z');
  });

  it('a concurrent write makes the slower candidate lose the round', async () => {
    const { a, b } = twoCandidates();
    const results = await Promise.all([a.elector.tryAcquireOrRenew(), b.elector.tryAcquireOrRenew()]);
    assert.deepEqual(results.toSorted(), [false, true]);
  });

  it('run: leads, keeps renewing, releases on stop, and the standby takes over at once', async () => {
    const { store, scheduler, a, b } = twoCandidates(start);
    const runA = a.elector.run(a.abort.signal);
    await flush();
    const runB = b.elector.run(b.abort.signal);
    await elapse(scheduler, 30_000);
    assert.deepEqual(a.log, ['started']);
    assert.deepEqual(b.log, [], 'the standby waits while the leader renews');
    a.abort.abort();
    await runA;
    assert.deepEqual(a.log, ['started', 'stopped']);
    assert.equal((await store.get())?.record.holderIdentity, '');
    await elapse(scheduler, 2500);
    assert.deepEqual(b.log, ['started'], 'the standby took the released lease at its next retry');
    b.abort.abort();
    await runB;
  });

  it('run: a standby takes over within the lease duration after the leader dies', async () => {
    const { scheduler, a, b } = twoCandidates(start);
    // `a` leads once and then its process is gone (no renewals, no release).
    assert.equal(await a.elector.tryAcquireOrRenew(), true);
    const runB = b.elector.run(b.abort.signal);
    await elapse(scheduler, 14_000);
    assert.deepEqual(b.log, []);
    await elapse(scheduler, 15_000 + 2_400 - 14_000);
    assert.deepEqual(b.log, ['started'], 'taken over within leaseDuration + one retry period');
    b.abort.abort();
    await runB;
  });

  it('run: the leader stops leading when it cannot renew for the renew deadline', async () => {
    const store = new MemoryLeaseStore();
    const scheduler = new FakeScheduler();
    const a = candidate(store, scheduler, 'a');
    const runA = a.elector.run(a.abort.signal);
    await flush();
    await elapse(scheduler, 4000);
    assert.equal(a.elector.isLeader, true);
    // Another writer steals the lease (e.g. after a long pause of this process).
    const current = await store.get();
    assert.ok(current);
    await store.update({ ...current.record, holderIdentity: 'intruder' }, current.version);
    await elapse(scheduler, 9000);
    assert.equal(a.elector.isLeader, true, 'still within the renew deadline');
    await elapse(scheduler, 2000);
    await runA;
    assert.equal(a.elector.isLeader, false);
    assert.deepEqual(a.log, ['started', 'stopped']);
  });

  it('refuses inconsistent timings', () => {
    assert.throws(
      () =>
        new LeaderElector({
          store: new MemoryLeaseStore(),
          identity: 'x',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
        }),
      RangeError,
    );
  });
});
