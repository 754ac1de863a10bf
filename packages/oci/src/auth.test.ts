import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenCache } from './auth.ts';

test('TokenCache: entries expire, are bounded (least recently used out) and can be forgotten', () => {
  let now = 1_000;
  const cache = new TokenCache({ maxEntries: 2, now: () => now });
  cache.set('a', 'Bearer a', 5_000);
  assert.equal(cache.get('a'), 'Bearer a');
  now += 5_000;
  assert.equal(cache.get('a'), undefined, 'expired');
  cache.set('a', 'Bearer a', 5_000);
  cache.set('b', 'Bearer b', 5_000);
  cache.get('a'); // a is now the most recently used
  cache.set('c', 'Bearer c', 5_000);
  assert.equal(cache.get('b'), undefined, 'b was evicted');
  assert.equal(cache.get('a'), 'Bearer a');
  cache.delete('a');
  assert.equal(cache.get('a'), undefined);
  cache.set('d', 'Bearer d', 0);
  assert.equal(cache.get('d'), undefined, 'a token without lifetime is not kept');
});
