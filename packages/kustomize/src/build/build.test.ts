import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build, KustomizeError } from '../index.ts';
import { treeMaker } from './tree.fixture.ts';

const tree = treeMaker('weft-kustomize-build-');
const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const names = (objects: Record<string, unknown>[]): string[] =>
  objects.map((o) => (o.metadata as { name: string }).name);

describe('build with the kustomization given as an object', () => {
  it('uses the object instead of the file, and needs no file', async () => {
    const withFile = tree({
      'kustomization.yaml': 'resources: [a.yaml]\nnamePrefix: file-\n',
      'a.yaml': cm('a'),
    });
    const kustomization = { resources: ['a.yaml'], namePrefix: 'object-' };
    assert.deepEqual(names(build(withFile, { kustomization })), ['object-a']);
    assert.deepEqual(names(build(withFile)), ['file-a']);

    const withoutFile = tree({
      'a.yaml': cm('a'),
      'base/kustomization.yaml': 'resources: [b.yaml]\n',
      'base/b.yaml': cm('b'),
    });
    assert.throws(() => build(withoutFile), KustomizeError);
    const objects = build(withoutFile, {
      kustomization: { resources: ['a.yaml', 'base'], nameSuffix: '-x' },
    });
    assert.deepEqual(names(objects).sort(), ['a-x', 'b-x']);
  });

  it("leaves the caller's object as it was", async () => {
    const dir = tree({ 'a.yaml': cm('a') });
    const kustomization = {
      resources: ['a.yaml'],
      patches: [{ patch: '- op: add\n  path: /data\n  value: {k: v}', target: { kind: 'ConfigMap' } }],
    };
    const before = structuredClone(kustomization);
    const [object] = build(dir, { kustomization });
    assert.deepEqual(object?.data, { k: 'v' });
    assert.deepEqual(kustomization, before);
  });

  it('still refuses what a file would be refused for', async () => {
    const dir = tree({ 'a.yaml': cm('a') });
    assert.throws(
      () => build(dir, { kustomization: { resources: ['a.yaml'], helmCharts: [{ name: 'x' }] } }),
      /helmCharts' is not supported/,
    );
    assert.throws(
      () => build(dir, { kustomization: { resources: ['../outside.yaml'] }, root: dir }),
      KustomizeError,
    );
  });
});

describe('build with files given in memory', () => {
  it('reads resources and generator files of a base from memory instead of the disk', async () => {
    const dir = tree({
      'kustomization.yaml': 'resources: [base]\n',
      'base/kustomization.yaml':
        'resources: [a.yaml]\nsecretGenerator:\n  - name: creds\n    files: [token.txt]\n    envs: [vars.env]\n',
      'base/a.yaml': 'encrypted on disk\n',
      'base/token.txt': 'encrypted token',
      'base/vars.env': 'ENCRYPTED=1\n',
    });
    const { realpathSync } = await import('node:fs');
    const base = realpathSync(`${dir}/base`);
    const files = new Map([
      [`${base}/a.yaml`, Buffer.from(cm('from-memory'))],
      [`${base}/token.txt`, Buffer.from('plain token')],
      [`${base}/vars.env`, Buffer.from('USER=admin\n')],
    ]);
    const objects = await build(dir, { files });
    const secret = objects.find((o) => o.kind === 'Secret') as { data: Record<string, string> };
    assert.deepEqual(names(objects.filter((o) => o.kind === 'ConfigMap')), ['from-memory']);
    assert.equal(Buffer.from(secret.data['token.txt'] ?? '', 'base64').toString(), 'plain token');
    assert.equal(Buffer.from(secret.data.USER ?? '', 'base64').toString(), 'admin');
  });
});
