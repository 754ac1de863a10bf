import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseCache } from './parse-cache.ts';

const counting = () => {
  const calls: string[] = [];
  const parse = (text: string): unknown[] => {
    calls.push(text);
    return [{ text, nested: { list: [1, 2] } }];
  };
  return { calls, parse };
};

describe('ParseCache', () => {
  it('parses a text once and hands out fresh copies the caller may edit', () => {
    const cache = new ParseCache(1 << 20);
    const { calls, parse } = counting();
    const first = cache.parse('a: 1', parse) as [{ nested: { list: number[] } }];
    first[0].nested.list.push(3);
    const second = cache.parse('a: 1', parse) as [{ nested: { list: number[] } }];
    const third = cache.parse('a: 1', parse) as [{ nested: { list: number[] } }];
    assert.deepEqual(calls, ['a: 1']);
    assert.deepEqual(second[0].nested.list, [1, 2]);
    second[0].nested.list.push(4);
    assert.deepEqual(third[0].nested.list, [1, 2]);
    assert.notEqual(second[0], third[0]);
    assert.deepEqual([cache.hits, cache.misses, cache.size], [2, 1, 1]);
    assert.ok(cache.bytes >= 'a: 1'.length * 2);
  });

  it('keeps values JSON could not: NaN, Infinity, -0', () => {
    const cache = new ParseCache(1 << 20);
    const parse = () => [{ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, zero: -0 }];
    cache.parse('x', parse);
    const [hit] = cache.parse('x', parse) as [{ nan: number; inf: number; zero: number }];
    assert.ok(Number.isNaN(hit.nan));
    assert.equal(hit.inf, Number.POSITIVE_INFINITY);
    assert.ok(Object.is(hit.zero, -0));
  });

  it('does not cache failures', () => {
    const cache = new ParseCache(1 << 20);
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error('bad YAML');
    };
    assert.throws(() => cache.parse('bad', failing), /bad YAML/);
    assert.throws(() => cache.parse('bad', failing), /bad YAML/);
    assert.equal(calls, 2);
    assert.equal(cache.size, 0);
  });

  it('evicts the least recently used texts beyond its byte budget, and skips texts too big to share it', () => {
    const cache = new ParseCache(4096);
    const { calls, parse } = counting();
    const text = (c: string) => c.repeat(300);
    cache.parse(text('a'), parse);
    cache.parse(text('b'), parse);
    cache.parse(text('a'), parse); // a is now the most recently used
    for (const c of 'cdef') cache.parse(text(c), parse);
    assert.ok(cache.size < 6, `size ${cache.size}`);
    calls.length = 0;
    cache.parse(text('f'), parse);
    assert.deepEqual(calls, [], 'the newest entry stays');
    cache.parse(text('b'), parse);
    assert.deepEqual(calls, [text('b')], 'the oldest entry went first');
    calls.length = 0;
    const big = 'z'.repeat(1024);
    cache.parse(big, parse);
    cache.parse(big, parse);
    assert.equal(calls.length, 2, 'a text over a quarter of the budget is parsed every time');
  });

  it('is disabled with a budget of 0', () => {
    const cache = new ParseCache(0);
    const { calls, parse } = counting();
    cache.parse('a', parse);
    cache.parse('a', parse);
    assert.equal(calls.length, 2);
  });
});
