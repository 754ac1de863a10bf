import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from './backoff.ts';
import { retry } from './retry.ts';
import { sleep } from './sleep.ts';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with jitter in the upper half', () => {
    const opts = { initialMs: 100, maxMs: 1000 };
    assert.equal(
      backoffDelay(0, opts, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(0, opts, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(3, opts, () => 1),
      800,
    );
    assert.equal(
      backoffDelay(10, opts, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(10, opts, () => 0),
      500,
    );
  });
});

describe('retry', () => {
  const fast = { initialMs: 1, maxMs: 2 };

  it('retries a retryable failure until the attempt succeeds', async () => {
    const seen: number[] = [];
    const result = await retry(
      async (n) => {
        seen.push(n);
        if (n < 3) throw new Error('not yet');
        return 'done';
      },
      { ...fast, retries: 5, retryable: () => true },
    );
    assert.equal(result, 'done');
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('rethrows a failure that is not retryable at once, and the last one when retries run out', async () => {
    let calls = 0;
    await assert.rejects(
      retry(
        async () => {
          calls++;
          throw new Error('permanent');
        },
        { ...fast, retries: 5, retryable: () => false },
      ),
      /permanent/,
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      retry(
        async (n) => {
          calls++;
          throw new Error(`attempt ${n}`);
        },
        { ...fast, retries: 2, retryable: () => true },
      ),
      /attempt 3/,
    );
    assert.equal(calls, 3);
  });
});

describe('sleep', () => {
  it('resolves early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept;
    assert.ok(Date.now() - started < 1000);
  });
});
