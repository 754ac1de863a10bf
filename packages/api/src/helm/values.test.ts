import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeValues } from './values.ts';

test("mergeValues: Helm's rule, maps key by key, lists and scalars replaced, inputs untouched", () => {
  const base = { image: { repository: 'nginx', tag: '1.0' }, ports: [80, 443], replicas: 1, keep: true };
  const over = { image: { tag: '2.0' }, ports: [8080], replicas: null, extra: { a: 1 } };
  assert.deepEqual(mergeValues(base, over), {
    image: { repository: 'nginx', tag: '2.0' },
    ports: [8080],
    replicas: null,
    keep: true,
    extra: { a: 1 },
  });
  assert.deepEqual(base.image, { repository: 'nginx', tag: '1.0' });
  assert.deepEqual(mergeValues({ list: { a: 1 } }, { list: [1] }), { list: [1] });
  assert.deepEqual(mergeValues({ map: [1] }, { map: { a: 1 } }), { map: { a: 1 } });
});
