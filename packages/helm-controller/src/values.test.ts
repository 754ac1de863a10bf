import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '@weft/runtime/client';
import { composeValues, parseTargetPath, setAtPath } from './values.ts';

const objects: Record<string, KubeObject & { data: Record<string, string> }> = {
  'ConfigMap/base': {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'base' },
    data: { 'values.yaml': 'image: {repo: r, tag: a}\nlist: [1, 2]\n', replicas: '3' },
  },
  'Secret/creds': {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds' },
    data: { password: Buffer.from('hunter2').toString('base64') },
  },
};
const client = {
  find: async <T extends KubeObject>(ref: { kind: string; name: string }) =>
    objects[`${ref.kind}/${ref.name}`] as unknown as T | undefined,
};

describe('values', () => {
  it("merges valuesFrom in order, then spec.values (Flux's order)", async () => {
    const values = await composeValues(client, 'ns', {
      valuesFrom: [
        { kind: 'ConfigMap', name: 'base' },
        { kind: 'ConfigMap', name: 'base', valuesKey: 'replicas', targetPath: 'replicaCount' },
        { kind: 'Secret', name: 'creds', valuesKey: 'password', targetPath: 'auth.passwords[1]' },
        { kind: 'Secret', name: 'absent', optional: true },
      ],
      values: { image: { tag: 'b' }, list: [3] },
    });
    assert.deepEqual(values, {
      image: { repo: 'r', tag: 'b' },
      list: [3],
      replicaCount: 3,
      auth: { passwords: [null, 'hunter2'] },
    });
  });

  it('names a missing object or key without the content of any Secret', async () => {
    await assert.rejects(
      composeValues(client, 'ns', { valuesFrom: [{ kind: 'Secret', name: 'absent' }] }),
      /could not find Secret 'ns\/absent'/,
    );
    await assert.rejects(
      composeValues(client, 'ns', { valuesFrom: [{ kind: 'Secret', name: 'creds', valuesKey: 'password' }] }),
      (error: Error) => !error.message.includes('hunter2') && /not a YAML mapping/.test(error.message),
    );
  });

  it('parses --set paths with escapes and indexes', () => {
    assert.deepEqual(parseTargetPath('a.b\\.c[2].d'), ['a', 'b.c', 2, 'd']);
    const values = {};
    setAtPath(values, 'x.y', 'z');
    assert.deepEqual(values, { x: { y: 'z' } });
  });
});
