/** TreeWriter against the real `git`: the trees it writes are the ones `git write-tree` makes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { isolatedGitEnv } from '@weft/e2e';
import { TreeWriter } from './trees.ts';

const exec = promisify(execFile);
let dir = '';
const git = async (...args: string[]) =>
  (await exec('git', ['-C', dir, ...args], { env: isolatedGitEnv(dir) })).stdout.trim();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-trees-'));
  await git('init', '--quiet', '--initial-branch=main');
  for (const path of [
    'apps/a/deploy.yaml',
    'apps/b/deploy.yaml',
    'apps/b/extra.yaml',
    'top.yaml',
    'run.sh',
  ]) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), `${path}\n`);
  }
  await chmod(join(dir, 'run.sh'), 0o755);
  await git('add', '--all');
  await git('commit', '--quiet', '-m', 'initial');
});
after(() => rm(dir, { recursive: true, force: true }));

test('edits in nested directories, one after another: each root tree is what git writes', async () => {
  const trees = await TreeWriter.at(dir, await git('rev-parse', 'HEAD'));
  const steps: string[][] = [['apps/b/deploy.yaml'], ['apps/a/deploy.yaml', 'top.yaml'], ['run.sh']];
  for (const [i, files] of steps.entries()) {
    for (const file of files) await writeFile(join(dir, file), `edit ${i} of ${file}\n`);
    const written = await trees.write(files);
    await git('add', '--all');
    assert.equal(written, await git('write-tree'), `step ${i}: ${files.join(', ')}`);
  }
  // The executable kept its mode.
  assert.match(await git('ls-tree', await git('write-tree'), 'run.sh'), /^100755 blob /);
});

test('a file in a directory the tree does not have yet is added as a plain blob', async () => {
  await git('reset', '--quiet', '--hard');
  const trees = await TreeWriter.at(dir, await git('rev-parse', 'HEAD'));
  await mkdir(join(dir, 'apps/c'), { recursive: true });
  await writeFile(join(dir, 'apps/c/new.yaml'), 'new\n');
  const written = await trees.write(['apps/c/new.yaml']);
  await git('add', '--all');
  assert.equal(written, await git('write-tree'));
});
