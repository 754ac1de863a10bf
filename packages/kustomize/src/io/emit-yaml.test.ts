import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { emitYaml } from './emit-yaml.ts';

// Strings YAML 1.1 (kubectl, the API server) or 1.2 could read as something else, and texts
// that need escapes or a block: each must come back as written, whichever version reads it.
const tricky = {
  a: 'on',
  b: 'yes',
  c: 'Y',
  d: '0777',
  e: '1.5',
  f: '',
  g: ' lead',
  h: 'trail ',
  i: 'a: b',
  j: 'a #b',
  k: '- x',
  l: 'multi\nline\n',
  m: 'no end\nx',
  n: 'keep\n\n',
  o: '\ttab\nx',
  p: '\u2028',
  q: 'é',
  r: '~',
  s: 'null',
  t: 'x:',
  u: '<<',
  v: -0,
  w: Number.NaN,
  x: 1e21,
  y: [[1, [2]], { z: [] }, {}],
  1: 'k',
  'a b': 'c',
  '': 'empty',
  ' sp': 1,
  '\n': 2,
  aa: '2001-12-14',
  bb: '1:20',
  cc: '.inf',
  dd: '0x1F',
  ee: '1_000',
  ff: 'http://x/y?a=b#c',
  gg: '#x',
  hh: '../base/x.yaml',
  ii: '.5',
  kk: 'a\r\nb',
  ll: '\n\nlead',
  mm: 'x\n ',
  nn: { oo: { pp: 'q\nr' }, list: ['a\nb', { deep: 'c\n' }] },
  bool: true,
  nil: null,
};

describe('emitYaml', () => {
  for (const version of ['1.1', '1.2'] as const) {
    it(`writes values a YAML ${version} reader reads back unchanged`, () => {
      assert.deepStrictEqual(parse(emitYaml(tricky), { version }), tricky);
    });
  }

  it('writes manifests in kustomize block style', () => {
    const text = emitYaml({
      apiVersion: 'v1',
      data: { 'app.conf': 'a=1\nb=2\n' },
      kind: 'ConfigMap',
      metadata: { labels: { app: 'web' }, name: 'cfg' },
      spec: { list: [{ name: 'x', ports: [80] }], empty: {} },
    });
    assert.equal(
      text,
      'apiVersion: v1\ndata:\n  app.conf: |\n    a=1\n    b=2\nkind: ConfigMap\nmetadata:\n  labels:\n    app: web\n  name: cfg\nspec:\n  list:\n  - name: x\n    ports:\n    - 80\n  empty: {}\n',
    );
  });
});
