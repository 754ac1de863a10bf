import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { treeMaker } from '../build/tree.fixture.ts';
import { build, LimitError } from '../index.ts';

const tree = treeMaker('weft-kustomize-limits-');
const command = path.join(import.meta.dirname, '../../bin/weft-kustomize.js');

const cm = (name: string, extra = ''): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n${extra}`;
const oneResource = (file: string, text: string): string =>
  tree({ 'kustomization.yaml': `resources:\n- ${file}\n`, [file]: text });

/** Ten levels of nine aliases of the level below: 3.4 billion strings once expanded, in 600 bytes. */
const billionLaughs = (): string => {
  let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n';
  text += `  l0: &l0 [${Array(9).fill('"lol"').join(',')}]\n`;
  for (let i = 1; i <= 9; i++)
    text += `  l${i}: &l${i} [${Array(9)
      .fill(`*l${i - 1}`)
      .join(',')}]\n`;
  return text;
};

/**
 * Runs the command in a child whose V8 heap is capped at `heapMiB`: hostile input must end in
 * our error, not in an out-of-memory crash (which exits by signal or with status 134).
 */
const runCapped = (heapMiB: number, ...args: string[]) =>
  spawnSync(process.execPath, [`--max-old-space-size=${heapMiB}`, command, 'build', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });

const throwsLimit = (dir: string, limit: string, pattern: RegExp, options = {}): void => {
  assert.throws(
    () => build(dir, options),
    (err: unknown) => {
      assert.ok(err instanceof LimitError, `expected a LimitError, got ${String(err)}`);
      assert.equal(err.limit, limit);
      assert.match(err.message, pattern);
      return true;
    },
  );
};

describe('hostile input, in a child process with a capped heap', () => {
  it('the billion laughs: refused by maxAliasNodes, naming the file', () => {
    const text = billionLaughs();
    assert.ok(text.length < 700, `the bomb is ${text.length} bytes`);
    const r = runCapped(64, oneResource('bomb.yaml', text));
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^Error: \S*bomb\.yaml: the YAML aliases expand to \d+ nodes, beyond the limit maxAliasNodes=100000; .*--max-alias-nodes/,
    );
  });

  it('a deeply nested document (flow and block): refused by maxDepth', () => {
    const flow = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    let block = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nspec:\n';
    for (let i = 1; i <= 300; i++) block += `${' '.repeat(i)}k:\n`;
    for (const [file, text] of [
      ['flow.yaml', flow],
      ['block.yaml', block],
    ] as const) {
      const r = runCapped(64, oneResource(file, text));
      assert.equal(r.signal, null, r.stderr);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`${file}: the YAML nests about \\d+ levels deep, beyond the limit maxDepth=200`),
      );
    }
  });

  it('a 50 MB manifest: refused by maxFileBytes before it is read', () => {
    const dir = tree({ 'kustomization.yaml': 'resources:\n- big.yaml\n' });
    writeFileSync(path.join(dir, 'big.yaml'), cm('big', `  blob: "${'x'.repeat(50 << 20)}"\n`));
    const r = runCapped(64, dir);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /big\.yaml: the file has \d{8} bytes, beyond the limit maxFileBytes=16777216; .*--max-file-bytes/,
    );
  });

  it('100,000 small objects in one file: refused by maxObjects before they are parsed', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => cm(`c${i}`)).join('---\n');
    const r = runCapped(64, oneResource('many.yaml', text));
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /many\.yaml: the file has 100000 YAML documents, beyond the limit maxObjects=20000/,
    );
  });

  it('a limit raised by flag lets the same input build', () => {
    const text = Array.from({ length: 30 }, (_, i) => cm(`c${i}`)).join('---\n');
    const dir = oneResource('some.yaml', text);
    const refused = runCapped(64, dir, '--max-objects', '29');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /beyond the limit maxObjects=29; .*--max-objects/);
    const built = runCapped(64, dir, '--max-objects', '30');
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stdout.split('\n---\n').length, 30);
    const bad = runCapped(64, dir, '--max-bytes', 'lots');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--max-bytes takes a positive number/);
  });
});

describe('build limits (library)', () => {
  it('aliases within the limit build, as independent copies', () => {
    const dir = oneResource(
      'a.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l {x: "1"}\n  annotations: *l\n',
    );
    const [obj] = build(dir) as [{ metadata: { labels: object; annotations: object } }];
    assert.deepEqual(obj.metadata.annotations, { x: '1' });
    assert.notEqual(obj.metadata.labels, obj.metadata.annotations);
    throwsLimit(dir, 'maxAliasNodes', /a\.yaml: the YAML aliases expand to 3 nodes/, {
      limits: { maxAliasNodes: 1 },
    });
  });

  it('aliases nesting deeper than maxDepth once expanded', () => {
    let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  l0: &l0 [x]\n';
    for (let i = 1; i <= 30; i++) text += `  l${i}: &l${i} [*l${i - 1}]\n`;
    const dir = oneResource('chain.yaml', text);
    assert.equal(build(dir).length, 1);
    throwsLimit(dir, 'maxDepth', /chain\.yaml: the YAML nests 33 levels deep once its aliases are expanded/, {
      limits: { maxDepth: 20 },
    });
  });

  it('a tree of bases that multiplies objects stops at maxObjects', () => {
    // Each level includes the one below three times under different prefixes: 3^7 objects.
    const files: Record<string, string> = {
      'l0/kustomization.yaml': 'resources:\n- cm.yaml\n',
      'l0/cm.yaml': cm('x'),
    };
    for (let level = 1; level <= 7; level++) {
      const copies = ['a', 'b', 'c'].map((p) => `l${level}/${p}`);
      for (const [i, copy] of copies.entries())
        files[`${copy}/kustomization.yaml`] = `namePrefix: ${'abc'[i]}-\nresources:\n- ../../l${level - 1}\n`;
      files[`l${level}/kustomization.yaml`] =
        `resources:\n${copies.map((c) => `- ${path.basename(c)}`).join('\n')}\n`;
    }
    const dir = tree(files);
    throwsLimit(
      path.join(dir, 'l7'),
      'maxObjects',
      /the build makes 501 objects so far, beyond the limit maxObjects=500/,
      {
        limits: { maxObjects: 500 },
      },
    );
    assert.equal(build(path.join(dir, 'l4')).length, 3 ** 4);
  });

  it('maxBytes bounds what is read and what is put out', () => {
    const dir = oneResource('a.yaml', cm('a', `  blob: "${'x'.repeat(4000)}"\n`));
    assert.equal(build(dir, { limits: { maxBytes: 8000 } }).length, 1);
    throwsLimit(
      dir,
      'maxBytes',
      /a\.yaml: the build reads \d+ bytes in all, beyond the limit maxBytes=3000/,
      {
        limits: { maxBytes: 3000 },
      },
    );
    // One aliased string copied into many places: little to read, much to put out.
    let text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  s0: &s "${'y'.repeat(1000)}"\n`;
    for (let i = 1; i <= 40; i++) text += `  s${i}: *s\n`;
    throwsLimit(
      oneResource('alias.yaml', text),
      'maxBytes',
      /(alias\.yaml: YAML aliases expand the build to|the build puts out about) \d+ bytes/,
      {
        limits: { maxBytes: 20_000 },
      },
    );
  });

  it('refuses unknown or non-positive limits', () => {
    const dir = oneResource('a.yaml', cm('a'));
    assert.throws(() => build(dir, { limits: { maxObjects: 0 } }), /maxObjects must be a positive number/);
    assert.throws(
      () => build(dir, { limits: { maxThings: 1 } as object }),
      /unknown build limit 'maxThings'/,
    );
  });
});
