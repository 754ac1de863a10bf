import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { controllers, imageEnv } from './build.ts';
import { nodeFlagsFromShebang } from './shebang.ts';
import { imageUid, nodeBinaryPath } from './stage-node.ts';

const packages = join(import.meta.dirname, '..', '..');
const dockerfile = await readFile(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8');

/** The instructions of one `FROM … AS <stage>` stage. */
function stage(name: string): string {
  const start = dockerfile.indexOf(` AS ${name}\n`);
  assert.notEqual(start, -1, `the Dockerfile has a ${name} stage`);
  const end = dockerfile.indexOf('\nFROM ', start);
  return dockerfile.slice(start, end === -1 ? undefined : end);
}

test('each controller stage runs its bin with the flags of its shebang, as the Docker-free build', async () => {
  for (const controller of controllers) {
    const pkg = JSON.parse(await readFile(join(packages, controller, 'package.json'), 'utf8'));
    const bin = Object.values(pkg.bin as Record<string, string>)[0]!;
    const flags = nodeFlagsFromShebang(await readFile(join(packages, controller, bin), 'utf8'));
    const entrypoint = /ENTRYPOINT (\[.*\])/.exec(stage(controller))?.[1];
    assert.deepEqual(JSON.parse(entrypoint ?? 'null'), [
      nodeBinaryPath,
      ...flags,
      join('/app/packages', controller, bin),
    ]);
  }
});

test('the user and environment are those of the Docker-free build', () => {
  const base = stage('controller-base');
  assert.match(base, new RegExp(`USER ${imageUid}:${imageUid}`));
  assert.equal(/ENV (.*)/.exec(base)?.[1]?.split(' ').join('\n'), imageEnv.join('\n'));
});
