import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRegexp } from './regexp.ts';

test('compileRegexp: one compiled Pattern per pattern text, same answers; a bad pattern throws every time', () => {
  const first = compileRegexp('^.*\\.sig$');
  assert.equal(compileRegexp('^.*\\.sig$'), first);
  assert.equal(first.test('sha256-abc.sig'), true);
  assert.equal(first.test('1.2.3'), false);
  // test() finds a match anywhere, as Go's MatchString (and the Matcher's find()).
  assert.equal(compileRegexp('sig').test('a-sig-b'), true);
  for (let i = 0; i < 2; i++)
    assert.throws(() => compileRegexp('('), /"\(" is not a valid regular expression/);
  // Kept patterns are bounded: after many others, the first is compiled again (a new object, same answers).
  for (let i = 0; i < 300; i++) compileRegexp(`^tag-${i}$`);
  const again = compileRegexp('^.*\\.sig$');
  assert.notEqual(again, first);
  assert.equal(again.test('x.sig'), true);
});
