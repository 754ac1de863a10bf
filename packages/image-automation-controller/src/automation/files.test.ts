import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UpdatePathError, updateRoot, updateTree } from './files.ts';

const root = await mkdtemp(join(tmpdir(), 'iua-files-'));
after(() => rm(root, { recursive: true, force: true }));

test('update.path may not leave the repository', () => {
  assert.equal(updateRoot('/repo', './deploy'), '/repo/deploy');
  assert.equal(updateRoot('/repo', undefined), '/repo');
  assert.equal(updateRoot('/repo', '/deploy'), '/repo/deploy');
  assert.throws(() => updateRoot('/repo', '../etc'), UpdatePathError);
});

test('the tree: YAML files under the path, .git and symlinks skipped, only changed files written', async () => {
  const marker = (ns: string) => `image: x:1 # {"$imagepolicy": "${ns}:app"}\n`;
  await mkdir(join(root, 'deploy/nested'), { recursive: true });
  await mkdir(join(root, 'deploy/.git'), { recursive: true });
  await mkdir(join(root, 'outside'), { recursive: true });
  await writeFile(join(root, 'deploy/a.yaml'), marker('ns'));
  await writeFile(join(root, 'deploy/nested/b.yml'), marker('ns'));
  await writeFile(join(root, 'deploy/nested/Kustomization'), marker('ns'));
  await writeFile(join(root, 'deploy/notes.txt'), marker('ns'));
  await writeFile(join(root, 'deploy/.git/c.yaml'), marker('ns'));
  await writeFile(join(root, 'deploy/other.yaml'), marker('elsewhere'));
  await writeFile(join(root, 'outside/d.yaml'), marker('ns'));
  await symlink(join(root, 'outside'), join(root, 'deploy/link'));
  const changes = await updateTree(root, 'deploy', (ref) =>
    ref.namespace === 'ns' ? { name: 'reg/app', tag: '2' } : undefined,
  );
  assert.deepEqual(
    [...changes.keys()],
    ['deploy/a.yaml', 'deploy/nested/Kustomization', 'deploy/nested/b.yml'],
  );
  assert.equal(
    await readFile(join(root, 'deploy/a.yaml'), 'utf8'),
    'image: reg/app:2 # {"$imagepolicy": "ns:app"}\n',
  );
  for (const untouched of ['deploy/notes.txt', 'deploy/.git/c.yaml', 'outside/d.yaml']) {
    assert.equal(await readFile(join(root, untouched), 'utf8'), marker('ns'), untouched);
  }
  await assert.rejects(
    updateTree(root, 'missing', () => undefined),
    /is not a directory of the repository/,
  );
  const elsewhere = await mkdtemp(join(tmpdir(), 'iua-elsewhere-'));
  after(() => rm(elsewhere, { recursive: true, force: true }));
  await mkdir(join(elsewhere, 'sub'));
  await symlink(elsewhere, join(root, 'deploy/far'));
  await assert.rejects(
    updateTree(root, 'deploy/far/sub', () => undefined),
    /leads outside the repository through a symlink/,
  );
  await assert.rejects(
    updateTree(root, 'deploy/link', () => undefined),
    /is not a directory of the repository/,
  );
});
