import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { nodeEntry, warmCompileCache, weftProcess } from './node-entry.ts';
import { repoRoot } from './toolchain.ts';

const dir = await mkdtemp(join(tmpdir(), 'weft-node-entry-'));
after(() => rm(dir, { recursive: true, force: true }));

async function entry(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('nodeEntry', () => {
  it('runs the file with this Node and the flags of its shebang', async () => {
    const file = await entry(
      'a.js',
      '#!/usr/bin/env -S node --max-semi-space-size=2 --trace-gc\nexport {};\n',
    );
    assert.deepEqual(nodeEntry(file), {
      command: process.execPath,
      args: ['--max-semi-space-size=2', '--trace-gc', file],
    });
  });

  it('passes no flags for a plain shebang, an absolute node path without flags, or none', async () => {
    for (const [name, text] of [
      ['b.js', '#!/usr/bin/env node\n'],
      ['c.js', '#!/usr/local/bin/node\n'],
      ['d.js', 'export {};\n'],
    ] as const) {
      const file = await entry(name, text);
      assert.deepEqual(nodeEntry(file).args, [file], name);
    }
  });
});

describe('weftProcess', () => {
  it("starts a controller's executable with its shebang's flags, then the given arguments", () => {
    const controller = weftProcess('source-controller', ['--log-level=debug'], { logFile: '/dev/null' });
    const entryFile = join(repoRoot, 'packages', 'source-controller', 'bin', 'weft-source-controller.js');
    assert.equal(controller.spec.name, 'source-controller');
    assert.equal(controller.spec.command, process.execPath);
    assert.deepEqual(controller.spec.args, [...nodeEntry(entryFile).args, '--log-level=debug']);
    assert.equal(controller.spec.args.at(-2), entryFile);
    assert.equal(controller.spec.logFile, '/dev/null');
  });
});

describe('warmCompileCache', () => {
  it("fills the compile cache with the modules of the entry's src/run.ts, under its flags", async () => {
    const root = join(dir, 'controller');
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'src'), { recursive: true });
    const bin = join(root, 'bin', 'weft-x.js');
    await writeFile(bin, '#!/usr/bin/env -S node --max-semi-space-size=2\nawait import("../src/run.ts");\n');
    await writeFile(
      join(root, 'src', 'run.ts'),
      "import { helper } from './helper.ts';\nexport const run = (): string => helper();\n",
    );
    await writeFile(join(root, 'src', 'helper.ts'), "export function helper(): string { return 'x'; }\n");
    const cache = join(dir, 'compile-cache');
    await warmCompileCache(bin, { ...process.env, NODE_COMPILE_CACHE: cache });
    const files = await readdir(cache, { recursive: true });
    assert.ok(files.length > 0, 'the compile cache directory holds entries');
  });
});
