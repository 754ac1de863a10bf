import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../model/types.ts';
import { stringifyObjects, writeObjects } from './yaml.ts';

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
