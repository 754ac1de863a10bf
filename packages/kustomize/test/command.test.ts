import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';

const command = path.join(import.meta.dirname, '../bin/weft-kustomize.js');
const work = mkdtempSync(path.join(tmpdir(), 'weft-kustomize-cmd-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [command, ...args], { encoding: 'utf8' });

describe('weft-kustomize command', () => {
  it('prints the built objects as multi-document YAML and exits 0', () => {
    const dir = path.join(work, 'ok');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      'namePrefix: p-\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - mode="on"\n',
    );
    const r = run('build', dir);
    assert.equal(r.status, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout);
    assert.ok(Array.isArray(docs));
    const objects = docs.map(
      (d) => d.toJS() as { metadata: { name: string }; data: Record<string, unknown> },
    );
    assert.equal(objects.length, 1);
    assert.match(objects[0]?.metadata.name ?? '', /^p-cfg-[a-z0-9]{10}$/);
    assert.equal(objects[0]?.data.mode, 'on');
  });

  it('prints the error to stderr and exits 1', () => {
    const dir = path.join(work, 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- nope.yaml\n');
    const r = run('build', dir);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Error: .*resource 'nope.yaml' not found/);
  });
});
