import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeScheduler, RetryAfterError, WorkQueue } from '@weft/runtime/queue';

/** Lets pending promise callbacks (p-queue's task starts) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise the test resolves by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('WorkQueue', () => {
  it('keeps one pending entry per key', async () => {
    const block = gate();
    const runs: string[] = [];
    const queue = new WorkQueue({
      scheduler: new FakeScheduler(),
      handler: async (key) => {
        runs.push(key);
        if (key === 'ns/blocker') await block.promise;
      },
    });
    queue.add('ns/blocker');
    await flush();
    for (let i = 0; i < 5; i++) queue.add('ns/a');
    assert.equal(queue.depth, 1);
    block.open();
    await queue.onIdle();
    assert.deepEqual(runs, ['ns/blocker', 'ns/a']);
  });

  it('never processes one key twice at once, even with free workers', async () => {
    const inFlight = new Map<string, number>();
    let maxSameKey = 0;
    let runs = 0;
    const queue = new WorkQueue({
      concurrency: 4,
      scheduler: new FakeScheduler(),
      handler: async (key) => {
        runs++;
        const n = (inFlight.get(key) ?? 0) + 1;
        inFlight.set(key, n);
        maxSameKey = Math.max(maxSameKey, n);
        await flush();
        inFlight.set(key, n - 1);
      },
    });
    for (let i = 0; i < 20; i++) {
      queue.add('ns/a');
      await flush();
    }
    await queue.onIdle();
    assert.equal(maxSameKey, 1);
    assert.ok(runs >= 2, `expected re-runs after adds during processing, got ${runs}`);
  });

  it('reconciles again a key added while it was being reconciled', async () => {
    const block = gate();
    let runs = 0;
    const queue = new WorkQueue({
      scheduler: new FakeScheduler(),
      handler: async () => {
        runs++;
        if (runs === 1) await block.promise;
      },
    });
    queue.add('ns/a');
    await flush();
    assert.equal(queue.active, 1);
    queue.add('ns/a');
    assert.equal(queue.depth, 0, 'a running key is marked dirty, not queued');
    block.open();
    await queue.onIdle();
    assert.equal(runs, 2);
  });

  it('starts another key while a handler waits outside its slot, up to maxWaiting', async () => {
    const health = gate();
    const started: string[] = [];
    const queue: WorkQueue = new WorkQueue({
      concurrency: 1,
      maxWaiting: 2,
      scheduler: new FakeScheduler(),
      handler: async (key) => {
        started.push(key);
        await queue.waiting(() => health.promise);
      },
    });
    for (const key of ['ns/a', 'ns/b', 'ns/c', 'ns/d', 'ns/e']) queue.add(key);
    await flush();
    // a and b wait outside a slot; c waits in the one slot (maxWaiting reached); d and e queue.
    assert.deepEqual(started, ['ns/a', 'ns/b', 'ns/c']);
    assert.equal(queue.depth, 2);
    health.open();
    await queue.onIdle();
    assert.deepEqual(started, ['ns/a', 'ns/b', 'ns/c', 'ns/d', 'ns/e']);
  });

  it('without waiting, a handler that waits holds its slot', async () => {
    const health = gate();
    const started: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      scheduler: new FakeScheduler(),
      handler: async (key) => {
        started.push(key);
        await health.promise;
      },
    });
    queue.add('ns/a');
    queue.add('ns/b');
    await flush();
    assert.deepEqual(started, ['ns/a']);
    health.open();
    await queue.onIdle();
  });

  it('a hundred updates to one object while it reconciles cause a bounded number of reconciles', async () => {
    const block = gate();
    let runs = 0;
    const queue = new WorkQueue({
      concurrency: 4,
      scheduler: new FakeScheduler(),
      handler: async () => {
        runs++;
        if (runs === 1) await block.promise;
      },
    });
    queue.add('ns/hot');
    await flush();
    for (let i = 0; i < 100; i++) {
      queue.add('ns/hot');
      if (i % 10 === 0) await flush();
    }
    block.open();
    await queue.onIdle();
    const afterFirst = runs - 1;
    assert.ok(afterFirst >= 1, 'the updates must not be lost');
    assert.ok(afterFirst <= 2, `expected at most 2 reconciles after the first, got ${afterFirst}`);
  });

  it('backs off exponentially per key on failure and resets on success', async () => {
    const scheduler = new FakeScheduler();
    let failuresLeft = 4;
    let runs = 0;
    const errors: number[] = [];
    const queue = new WorkQueue({
      scheduler,
      backoff: { baseMs: 5, maxMs: 30 },
      onError: (_key, _error, retryIn) => errors.push(retryIn),
      handler: async () => {
        runs++;
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('boom');
        }
      },
    });
    queue.add('ns/a');
    await queue.onIdle();
    const delays: number[] = [];
    while (scheduler.pendingTimers > 0) {
      const [next] = scheduler.pendingDelays();
      assert.ok(next !== undefined);
      delays.push(next);
      scheduler.advance(next);
      await queue.onIdle();
    }
    assert.deepEqual(delays, [5, 10, 20, 30], 'doubles from base, capped at max');
    assert.deepEqual(errors, delays);
    assert.equal(runs, 5);
    assert.equal(queue.failures('ns/a'), 0, 'a success forgets the failures');

    failuresLeft = 1;
    queue.add('ns/a');
    await queue.onIdle();
    assert.deepEqual(scheduler.pendingDelays(), [5], 'after a reset the backoff starts from base again');
  });

  it('keeps the backoff of each key separate', async () => {
    const scheduler = new FakeScheduler();
    const queue = new WorkQueue({
      scheduler,
      backoff: { baseMs: 10, maxMs: 1000 },
      handler: async (key) => {
        if (key === 'ns/bad') throw new Error('boom');
      },
    });
    queue.add('ns/bad');
    await queue.onIdle();
    scheduler.advance(10);
    await queue.onIdle();
    queue.add('ns/good');
    await queue.onIdle();
    assert.equal(queue.failures('ns/bad'), 2);
    assert.equal(queue.failures('ns/good'), 0);
  });

  it('retries at the asked interval for a RetryAfterError', async () => {
    const scheduler = new FakeScheduler();
    const queue = new WorkQueue({
      scheduler,
      handler: async () => {
        throw new RetryAfterError(new Error('not ready'), 60_000);
      },
    });
    queue.add('ns/a');
    await queue.onIdle();
    assert.deepEqual(scheduler.pendingDelays(), [60_000]);
  });

  it('delays addAfter by the asked time, with injected jitter', async () => {
    const scheduler = new FakeScheduler();
    const runs: number[] = [];
    let randomValue = 0;
    const queue = new WorkQueue({
      scheduler,
      jitter: 0.1,
      random: () => randomValue,
      handler: async () => {
        runs.push(scheduler.now());
      },
    });
    queue.addAfter('ns/a', 1000);
    assert.deepEqual(scheduler.pendingDelays(), [900], 'random 0 takes the full negative jitter');
    scheduler.advance(899);
    await queue.onIdle();
    assert.deepEqual(runs, []);
    scheduler.advance(1);
    await queue.onIdle();
    assert.deepEqual(runs, [900]);

    randomValue = 0.75;
    queue.addAfter('ns/b', 1000);
    assert.deepEqual(scheduler.pendingDelays(), [1050]);
  });

  it('keeps only the earliest pending delay of a key', async () => {
    const scheduler = new FakeScheduler();
    let runs = 0;
    const queue = new WorkQueue({
      scheduler,
      handler: async () => {
        runs++;
      },
    });
    queue.addAfter('ns/a', 500);
    queue.addAfter('ns/a', 100);
    queue.addAfter('ns/a', 300);
    assert.deepEqual(scheduler.pendingDelays(), [100]);
    scheduler.advance(1000);
    await queue.onIdle();
    assert.equal(runs, 1);
  });

  it('requeues after the requeueAfter a handler returns, and an earlier run drops that delay', async () => {
    const scheduler = new FakeScheduler();
    let runs = 0;
    const queue = new WorkQueue({
      scheduler,
      handler: async () => {
        runs++;
        return { requeueAfter: 60_000 };
      },
    });
    queue.add('ns/a');
    await queue.onIdle();
    assert.deepEqual(scheduler.pendingDelays(), [60_000]);
    scheduler.advance(10_000);
    queue.add('ns/a');
    await queue.onIdle();
    assert.equal(runs, 2);
    assert.deepEqual(scheduler.pendingDelays(), [60_000], 'the interval restarts from the last reconcile');
  });

  it('bounds the number of keys processed at once', async () => {
    const block = gate();
    let running = 0;
    let maxRunning = 0;
    const queue = new WorkQueue({
      concurrency: 3,
      scheduler: new FakeScheduler(),
      handler: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await block.promise;
        running--;
      },
    });
    for (let i = 0; i < 10; i++) queue.add(`ns/k${i}`);
    await flush();
    assert.equal(queue.active, 3);
    assert.equal(queue.depth, 7);
    block.open();
    await queue.onIdle();
    assert.equal(maxRunning, 3);
  });

  it('reports metrics: adds, depth, latency, work duration and retries', async () => {
    const scheduler = new FakeScheduler();
    const block = gate();
    const seen = {
      adds: 0,
      depth: [] as number[],
      latency: [] as number[],
      work: [] as number[],
      retries: 0,
    };
    const queue = new WorkQueue({
      scheduler,
      metrics: {
        add: () => seen.adds++,
        depth: (d) => seen.depth.push(d),
        latency: (s) => seen.latency.push(s),
        workDuration: (s) => seen.work.push(s),
        retry: () => seen.retries++,
      },
      handler: async (key) => {
        if (key === 'ns/slow') {
          await block.promise;
          scheduler.advance(250);
        }
        if (key === 'ns/fail') throw new Error('boom');
      },
    });
    queue.add('ns/slow');
    await flush();
    queue.add('ns/fail');
    queue.add('ns/fail');
    scheduler.advance(50);
    block.open();
    await queue.onIdle();
    assert.equal(seen.adds, 2);
    assert.equal(seen.retries, 1);
    assert.equal(Math.max(...seen.depth), 1);
    assert.equal(seen.depth.at(-1), 0);
    assert.deepEqual(seen.latency, [0, 0.3]);
    assert.deepEqual(seen.work, [0.3, 0], 'the slow key ran from t=0 to t=300ms');
  });

  it('on shutdown drops waiting work, refuses new work and waits for running work', async () => {
    const scheduler = new FakeScheduler();
    const block = gate();
    const runs: string[] = [];
    const queue = new WorkQueue({
      scheduler,
      handler: async (key) => {
        runs.push(key);
        if (key === 'ns/running') await block.promise;
      },
    });
    queue.add('ns/running');
    await flush();
    queue.add('ns/waiting');
    queue.addAfter('ns/later', 1000);
    let done: boolean | undefined;
    const shutdown = queue.shutdown(5000).then((drained) => {
      done = drained;
    });
    queue.add('ns/new');
    await flush();
    assert.equal(done, undefined, 'shutdown waits for the running reconcile');
    block.open();
    await shutdown;
    assert.equal(done, true);
    scheduler.advance(2000);
    await flush();
    assert.deepEqual(runs, ['ns/running']);
  });

  it('gives up waiting at the shutdown deadline', async () => {
    const scheduler = new FakeScheduler();
    const queue = new WorkQueue({
      scheduler,
      handler: () => new Promise<void>(() => {}),
    });
    queue.add('ns/stuck');
    await flush();
    const shutdown = queue.shutdown(3000);
    scheduler.advance(3000);
    assert.equal(await shutdown, false);
  });
});
