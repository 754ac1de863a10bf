/**
 * Writes the plain install manifests (manifests/), the Helm chart (charts/weft/) and its values
 * table (docs/chart-values.md) from the definition in src/. Run with `pnpm --filter @weft/install generate`; tests fail while the
 * committed files are stale.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { generatedFiles } from '../src/files.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const files = generatedFiles();

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const paths = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)])),
  );
  return paths.flat();
}

// Remove what a renamed piece left behind: these two directories hold generated files only.
for (const dir of ['manifests', join('charts', 'weft')]) {
  for (const path of await walk(join(repoRoot, dir))) {
    if (!files.has(relative(repoRoot, path))) await rm(path);
  }
}
for (const [path, content] of files) {
  await mkdir(dirname(join(repoRoot, path)), { recursive: true });
  await writeFile(join(repoRoot, path), content);
}
console.log(`wrote ${files.size} files to manifests/, charts/weft/ and docs/`);
