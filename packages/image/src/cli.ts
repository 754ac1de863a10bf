#!/usr/bin/env node
/**
 * weft-image: builds weft's images without Docker, as OCI image layouts.
 *   weft-image controller <name> --out DIR [--version V] [--if-changed] [--helm PATH]
 *                                         [--helm-renderer PATH]
 *                                         one controller's image (--if-changed: skip the build
 *                                         when its inputs are those of the image already in DIR;
 *                                         --helm, --helm-renderer: the helm binary and the
 *                                         renderer helm-controller's image bundles)
 *   weft-image pause --binary PATH --reference REF --archive FILE   the e2e node's sandbox image
 *   weft-image rootfs <name> --root DIR [--helm PATH] [--helm-renderer PATH]   only stage the controller's root filesystem (the
 *                                         Dockerfile's build stage copies it into a scratch image)
 * Prints the image's reference, manifest digest and size.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { archiveLayout } from './archive.ts';
import {
  buildControllerImage,
  buildPauseImage,
  type Controller,
  controllers,
  stageControllerRootfs,
  type ToolPaths,
  toolSources,
} from './build.ts';
import { imageInputsDigest } from './inputs.ts';
import type { WrittenImage } from './layout.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    version: { type: 'string' },
    binary: { type: 'string' },
    reference: { type: 'string' },
    archive: { type: 'string' },
    root: { type: 'string' },
    'if-changed': { type: 'boolean', default: false },
    helm: { type: 'string' },
    'helm-renderer': { type: 'string' },
  },
});
const repoRoot = resolve(import.meta.dirname, '../../..');
const work = await mkdtemp(join(tmpdir(), 'weft-image-'));
const [command, name] = positionals;
const tools: ToolPaths = {
  ...(values.helm ? { helm: resolve(values.helm) } : {}),
  ...(values['helm-renderer'] ? { 'helm-renderer': resolve(values['helm-renderer']) } : {}),
};

const fail = (message: string): never => {
  console.error(`weft-image: ${message}`);
  process.exit(2);
};

let built: WrittenImage | undefined;
if (command === 'controller') {
  if (!controllers.includes(name as Controller)) fail(`controller must be one of ${controllers.join(', ')}`);
  const out = values.out ?? fail('--out DIR is required');
  const inputsFile = `${out}.inputs`;
  const bundled = toolSources(name as Controller, tools).map((tool) => tool.from);
  const inputs = await imageInputsDigest(repoRoot, `packages/${name}`, bundled);
  const previous = await readFile(inputsFile, 'utf8').catch(() => undefined);
  if (values['if-changed'] && previous === inputs && existsSync(join(out, 'index.json'))) {
    console.log(`weft/${name}: up to date in ${out}`);
    await rm(work, { recursive: true, force: true });
    process.exit(0);
  }
  built = await buildControllerImage({
    repoRoot,
    controller: name as Controller,
    out,
    work,
    tools,
    ...(values.version ? { version: values.version } : {}),
  });
  if (values.archive) await archiveLayout(out, values.archive);
  await writeFile(inputsFile, inputs);
} else if (command === 'rootfs') {
  if (!controllers.includes(name as Controller)) fail(`controller must be one of ${controllers.join(', ')}`);
  const root = values.root ?? fail('--root DIR is required');
  const staged = await stageControllerRootfs(repoRoot, name as Controller, root, tools);
  console.log(`${root}: entrypoint node ${[...staged.flags, staged.bin].join(' ')}`);
} else if (command === 'pause') {
  const binary = values.binary ?? fail('--binary PATH is required');
  const reference = values.reference ?? fail('--reference REF is required');
  const archive = values.archive ?? fail('--archive FILE is required');
  const out = values.out ?? join(work, 'layout');
  built = await buildPauseImage({ binary, reference, out, work: join(work, 'build') });
  await archiveLayout(out, archive);
} else {
  fail('usage: weft-image controller <name> --out DIR | pause --binary PATH --reference REF --archive FILE');
}
await rm(work, { recursive: true, force: true });
if (built) console.log(`${built.reference} ${built.digest} ${(built.size / 1024 / 1024).toFixed(1)} MiB`);
