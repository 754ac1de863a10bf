import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSimpleYaml } from './fast-yaml.ts';
import { parseWithYamlPackage } from './yaml.ts';

// Each text is read by both readers: where the fast one answers, it must build what the `yaml`
// package builds; where it gives up, the caller falls back to the package.
const read = [
  'a: 1\nb: 0777\nc: 0o17\nd: 0x1F\ne: 1.50\nf: .5\ng: 1e3\nh: -.inf\ni: .NaN\nj: ~\nk: null\nl:\nm: true\nn: False\no: yes\np: "on"\nq: 08\nr: +5\ns: -0\n',
  '1: a\n1.50: b\n~: c\ntrue: d\n0777: e\n"quoted": f\n\'single\': g\n',
  'k: "a \\"b\\" \\\\ \\n \\t \\u00e9 \\x41"\nl: \'it\'\'s\'\nm: "x" # comment\nn: plain # comment\no: a#b\np: http://x:80/y\n',
  'list:\n- a\n- b: 1\n  c: 2\n- - x\n  - y\n-\n  - z\n- {}\n- []\nsame:\n- 1\nnested:\n  - name: x\n    args:\n    - -c\n    - "true"\n',
  'lit: |\n  line1\n    indented\n\n  line3\nstrip: |-\n  a\n  b\n\nkeep: |+\n  a\n\n\nclip: |\n  a\n\nafter: 1\nempty: |\nnext: 2\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    port: 8080\n    ratio: 1.50\n    t: ~\n    e:\n    m: {}\n    s: "q"\n  labels:\n    port: 8080\n---\n# only a comment\n---\nkind: B\n',
  'a: 1\n...\n',
  'a: &x\n  k: v\nb: *x\nc: &s scalar\nd: *s\ne:\n- &i item\n- *i\n',
  'dup: 1\ndup: 2\n',
  '- op: add\n  path: /a\n  value: {x: 1}\n',
  'a: b: c\n',
  'a: "multi\n  line"\n',
  'a: plain\n  continued\n',
  'a: >\n  folded\n',
  'a: !!str 1\n',
  '<<: {a: 1}\n',
  'a:\n\tb: 1\n',
  'a: 1\r\nb: 2\r\n',
  '{"json": true}\n',
  'a:\n  - x\n   - y\n',
  'key: [a, b]\n',
  '  indented: 1\n  top: 2\n',
  'a: 1\n b: 2\n',
];

describe('fast YAML reader', () => {
  for (const [i, text] of read.entries()) {
    it(`reads text ${i} as the yaml package does, or leaves it to it`, () => {
      let expected: unknown;
      try {
        expected = parseWithYamlPackage(text, 'f.yaml');
      } catch {
        expected = 'error';
      }
      const actual = parseSimpleYaml(text);
      if (actual === undefined) return;
      assert.notEqual(
        expected,
        'error',
        `the yaml package refuses text ${i}, the fast reader must not accept it`,
      );
      assert.deepStrictEqual(actual, expected);
    });
  }

  it('answers for the plain manifests it is meant for', () => {
    for (const i of [0, 1, 2, 3, 4, 5, 7])
      assert.notEqual(parseSimpleYaml(read[i] as string), undefined, `text ${i}`);
  });

  it('leaves a repeated key to the yaml package, which reports it (kustomize refuses it in a manifest)', () => {
    assert.equal(parseSimpleYaml(read[8] as string), undefined);
    assert.equal(parseSimpleYaml('a:\n  b: 1\n  b: 2\n'), undefined);
  });

  it('gives up on aliases that copy past its budget, leaving the error to the full parser', () => {
    assert.equal(parseSimpleYaml('a: &x [1]\nb: *x\n', 1), undefined);
    assert.notEqual(parseSimpleYaml('a: &x\n  k: v\nb: *x\n', 2), undefined);
  });

  it('copies aliases: editing one copy leaves the other alone', () => {
    const [doc] = parseSimpleYaml('a: &x\n  k: v\nb: *x\n') as [{ a: { k: string }; b: { k: string } }];
    doc.a.k = 'changed';
    assert.equal(doc.b.k, 'v');
  });
});
