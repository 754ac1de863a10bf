import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build } from '@weft/kustomize';
import { GenerateError, prepareKustomization } from './generate.ts';

const base = await mkdtemp(join(tmpdir(), 'ks-generate-'));
after(() => rm(base, { recursive: true, force: true }));
let n = 0;
async function tree(files: Record<string, string>): Promise<string> {
  const root = join(base, String(n++));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('prepareKustomization', () => {
  it('generates a kustomization from the manifests under the path, recursively', async () => {
    const root = await tree({
      'apps/a.yaml': cm('a'),
      'apps/nested/b.yml': `${cm('b')}---\n${cm('c')}`,
      'apps/notes.txt': 'not yaml',
      'apps/sub/kustomization.yaml': 'resources: [d.yaml]\n',
      'apps/sub/d.yaml': cm('d'),
      'apps/sub/ignored.yaml': 'not: a manifest\n',
    });
    const kustomization = await prepareKustomization(join(root, 'apps'), root, {
      namePrefix: 'p-',
      targetNamespace: 'team',
    });
    assert.deepEqual(kustomization.resources, ['a.yaml', 'nested/b.yml', 'sub']);
    const objects = build(join(root, 'apps'), { root, kustomization });
    assert.deepEqual(
      objects
        .map(
          (o) =>
            `${(o.metadata as { namespace: string }).namespace}/${(o.metadata as { name: string }).name}`,
        )
        .sort(),
      ['team/p-a', 'team/p-b', 'team/p-c', 'team/p-d'],
    );
  });

  it('augments an existing kustomization, keeping its entries and its file', async () => {
    const root = await tree({
      'kustomization.yaml': '# mine\nresources:\n  - a.yaml\nimages:\n  - name: old\n    newTag: "1"\n',
      'a.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1\n',
    });
    const kustomization = await prepareKustomization(root, root, {
      nameSuffix: '-x',
      images: [{ name: 'nginx', newTag: '2' }],
      patches: [
        {
          patch: '- op: add\n  path: /metadata/labels\n  value: {patched: "yes"}',
          target: { kind: 'Deployment' },
        },
      ],
    });
    assert.equal((kustomization.images as unknown[]).length, 2);
    assert.match(
      await readFile(join(root, 'kustomization.yaml'), 'utf8'),
      /^# mine\nresources:\n {2}- a.yaml\nimages:\n {2}- name: old\n {4}newTag: "1"\n$/,
    );
    const [deployment] = build(root, { root, kustomization });
    const metadata = (deployment?.metadata ?? {}) as { name?: string; labels?: unknown };
    assert.equal(metadata.name, 'web-x');
    assert.deepEqual(metadata.labels, { patched: 'yes' });
    assert.match(JSON.stringify(deployment), /nginx:2/);
  });

  it('names the file that is not Kubernetes YAML, and a missing path', async () => {
    const root = await tree({ 'apps/ok.yaml': cm('ok'), 'apps/bad.yaml': 'apiVersion: v1\nkind: [\n' });
    await assert.rejects(prepareKustomization(join(root, 'apps'), root, {}), (err: unknown) => {
      assert.ok(err instanceof GenerateError);
      assert.equal(err.file, 'apps/bad.yaml');
      return true;
    });
    await assert.rejects(
      prepareKustomization(join(root, 'nope'), root, {}),
      /kustomization path not found: nope/,
    );
    const broken = await tree({ 'kustomization.yaml': 'resources: [a.yaml\n' });
    await assert.rejects(prepareKustomization(broken, broken, {}), (err: unknown) => {
      assert.ok(err instanceof GenerateError);
      assert.equal(err.file, 'kustomization.yaml');
      assert.match(err.message, /^kustomization.yaml: invalid kustomization at line \d+: /);
      return true;
    });
  });
});
