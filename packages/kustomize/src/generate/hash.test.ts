import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentHash, goJson } from './hash.ts';

describe('content hash', () => {
  it('encodes like Go json.Marshal: sorted keys and HTML-safe escapes', () => {
    assert.equal(goJson({ b: '<&>', a: 1 }), '{"a":1,"b":"\\u003c\\u0026\\u003e"}');
  });

  it('depends on data but not on the name or labels', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    const b = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b', labels: { x: 'y' } },
      data: { k: 'v' },
    };
    const c = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'w' } };
    assert.equal(contentHash(a), contentHash(b));
    assert.notEqual(contentHash(a), contentHash(c));
    assert.match(contentHash(a), /^[2-9b-df-z]{10}$/);
  });

  it('includes the type of a Secret', () => {
    const s = (type: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type,
      metadata: { name: 's' },
      data: { k: 'dg==' },
    });
    assert.notEqual(contentHash(s('Opaque')), contentHash(s('kubernetes.io/tls')));
  });
});
