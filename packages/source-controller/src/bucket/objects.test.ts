import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IgnoreRules } from '../ignore/rules.ts';
import { listRevision, selectObjects } from './objects.ts';

const object = (key: string, etag = 'e') => ({ key, etag, size: 1 });

test('keeps files that are not ignored, sorted; drops folder markers', () => {
  const rules = new IgnoreRules('*.md\n');
  const selected = selectObjects(
    [object('b.yaml'), object('dir/'), object('a/x.yaml'), object('README.md')],
    rules,
  );
  assert.deepEqual(
    selected.map((o) => o.key),
    ['a/x.yaml', 'b.yaml'],
  );
});

test('a key that could leave the directory is an error', () => {
  for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/./b']) {
    assert.throws(() => selectObjects([object(key)], new IgnoreRules(undefined)), /not a safe relative path/);
  }
});

test('the revision changes with an ETag or key, not with listing order', () => {
  const one = listRevision([object('a', '1'), object('b', '2')]);
  assert.equal(one, listRevision([object('b', '2'), object('a', '1')]));
  assert.notEqual(one, listRevision([object('a', '1'), object('b', '3')]));
  assert.match(one, /^sha256:[0-9a-f]{64}$/);
});
