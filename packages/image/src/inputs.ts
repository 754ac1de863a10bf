/**
 * What a controller image is built from, as one digest: the Node binary, the lockfile, the
 * controller's and its workspace packages' runtime files, and this builder's own sources. The
 * setup rebuilds an image only when that digest changed, so a warm `e2e/run setup` costs nothing.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { runtimeFile, workspaceClosure } from './stage-app.ts';

async function filesBelow(dir: string, keep: (path: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter(keep)
    .sort();
}

export async function imageInputsDigest(
  repoRoot: string,
  packageDir: string,
  /** Host paths of the binaries the image bundles (helm): their bytes are inputs too. */
  toolFiles: readonly string[] = [],
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`node ${process.version} ${await realpath(process.execPath)}\n`);
  const files = [join(repoRoot, 'pnpm-lock.yaml'), ...toolFiles];
  for (const dir of await workspaceClosure(repoRoot, packageDir)) {
    files.push(
      ...(await filesBelow(join(repoRoot, dir), (path) =>
        relative(join(repoRoot, dir), path)
          .split('/')
          .every((_, i, parts) => runtimeFile(parts.slice(0, i + 1).join('/'))),
      )),
    );
  }
  files.push(...(await filesBelow(import.meta.dirname, (path) => !path.endsWith('.test.ts'))));
  for (const file of files) {
    hash.update(`${relative(repoRoot, file)}\n`);
    hash.update(await readFile(file));
  }
  return `sha256:${hash.digest('hex')}`;
}
