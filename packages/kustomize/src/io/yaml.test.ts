import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../model/types.ts';
import { parseManifestDocuments, parseYamlDocuments, stringifyObjects, writeObjects } from './yaml.ts';

describe('writeObjects', () => {
  it('writes the same text as stringifyObjects, in chunks, releasing each object', () => {
    const objects: (KObject | undefined)[] = Array.from({ length: 5 }, (_, i) => ({
      kind: 'ConfigMap',
      metadata: { name: `c${i}` },
      data: { on: 'on', n: '0777' },
    }));
    const expected = stringifyObjects(objects as KObject[]);
    const chunks: string[] = [];
    writeObjects(objects, (t) => chunks.push(t), 100);
    assert.ok(chunks.length > 1);
    assert.equal(chunks.join(''), expected);
    assert.deepEqual(objects, [undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('a repeated key (krusty TestDuplicateKeys)', () => {
  const text = 'kind: Pod\nspec:\n  containers:\n  - name: a\n    env: []\n    env:\n    - {name: X}\n';
  it('is kept, last value, where kustomize keeps it (a kustomization)', () => {
    assert.deepEqual(parseYamlDocuments(text, 'k.yaml'), [
      { kind: 'Pod', spec: { containers: [{ name: 'a', env: [{ name: 'X' }] }] } },
    ]);
  });
  it('fails a manifest, naming the line and key, also when the text comes from the cache', () => {
    for (let i = 0; i < 2; i++)
      assert.throws(
        () => parseManifestDocuments(text, 'm.yaml'),
        /m\.yaml: a mapping repeats a key \(line 6: key 'env'\)/,
      );
  });
});

describe('parseYamlDocuments', () => {
  it('gives a fresh tree on every call, also for a text parsed before', () => {
    const text = 'a: &x {b: [1]}\nc: *x\n';
    const first = parseYamlDocuments(text, 'f.yaml')[0] as { a: { b: number[] }; c: { b: number[] } };
    first.a.b.push(2);
    const again = parseYamlDocuments(text, 'f.yaml')[0] as { a: { b: number[] }; c: { b: number[] } };
    assert.deepEqual(again, { a: { b: [1] }, c: { b: [1] } });
    again.a.b.push(3);
    assert.deepEqual(again.c.b, [1], 'an alias is a copy, not the anchor, on a cache hit too');
  });

  it('names the file on every failure of the same text', () => {
    assert.throws(() => parseYamlDocuments('a: [', 'one.yaml'), /one\.yaml/);
    assert.throws(() => parseYamlDocuments('a: [', 'two.yaml'), /two\.yaml/);
  });
});
