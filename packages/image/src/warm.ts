/**
 * Warms Node's compile cache at build time, inside the staged root filesystem (chroot), so the
 * cache is keyed by the very paths the container loads (/app/…) with the very Node binary it
 * runs: the first start in a pod finds every module already type-stripped and compiled.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { imageUid, nodeBinaryPath } from './stage-node.ts';

const run = promisify(execFile);

export async function warmCompileCache(root: string, cacheDir: string, entryModule: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('warming the compile cache needs root (chroot)');
  await mkdir(join(root, cacheDir), { recursive: true });
  // Writable for the image's user while warming; the layer normalises modes afterwards.
  await chmod(join(root, cacheDir), 0o777);
  // As the image's user: Node keeps one cache directory per uid (…-x64-<hash>-<uid>), so a cache
  // warmed as root would never be read by the container. Importing the entry module loads every
  // module the controller runs, and starts nothing.
  await run(
    'chroot',
    [`--userspec=${imageUid}:${imageUid}`, root, nodeBinaryPath, '--import', entryModule, '-e', ''],
    {
      // PATH finds chroot here; inside the root only the absolute node path is used.
      env: { NODE_COMPILE_CACHE: cacheDir, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      timeout: 120_000,
    },
  );
}
