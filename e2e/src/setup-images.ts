#!/usr/bin/env node
/**
 * The images `e2e/run setup` builds (as root; without root the real-node tests skip): the real
 * node's pause image, and one image per controller, each rebuilt only when its inputs changed.
 * They go to ${WEFT_CACHE_DIR:-~/.cache/weft}/images/ (see cluster/real-node/images.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { imagesDir, pauseImageArchive, pauseImageReference } from './cluster/real-node/images.ts';
import { weftControllers } from './cluster/weft-controllers.ts';
import { repoRoot, toolPath } from './toolchain.ts';

const cli = join(repoRoot, 'packages', 'image', 'src', 'cli.ts');
const image = (args: string[]) => execFileSync(process.execPath, [cli, ...args], { stdio: 'inherit' });

mkdirSync(imagesDir(), { recursive: true });
if (existsSync(pauseImageArchive())) {
  console.log(`${pauseImageReference()}: up to date`);
} else {
  image([
    'pause',
    '--binary',
    toolPath('pause'),
    '--reference',
    pauseImageReference(),
    '--archive',
    pauseImageArchive(),
  ]);
}
for (const controller of weftControllers) {
  // helm-controller's image bundles the pinned helm and the renderer (the others ignore both).
  image([
    'controller',
    controller,
    '--out',
    join(imagesDir(), controller),
    '--if-changed',
    '--helm',
    toolPath('helm'),
    '--helm-renderer',
    toolPath('weft-helm-renderer'),
  ]);
}
