import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DurationError, formatDuration, parseDuration } from '@weft/runtime/reconcile';

describe('parseDuration', () => {
  const cases: Array<[string, number]> = [
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['500ms', 500],
    ['1m0.5s', 60_500],
    ['1500us', 1.5],
    ['0', 0],
    ['0s', 0],
    ['+5m', 300_000],
  ];
  for (const [input, expected] of cases) {
    it(`parses ${input}`, () => assert.equal(parseDuration(input), expected));
  }

  for (const input of ['', '10', '1x', 'm', '1h-5m', '-1m', '1m 30s', 'abc']) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => parseDuration(input), DurationError));
  }
});

describe('formatDuration', () => {
  it('formats like Go', () => {
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(3_600_000), '1h0m0s');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(0), '0s');
    assert.equal(parseDuration(formatDuration(5_025_000)), 5_025_000);
  });
});
