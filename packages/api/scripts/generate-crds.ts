/**
 * Writes the generated files: CRDs to packages/api/crds/ and the API reference to docs/api/.
 * Run with `pnpm --filter @weft/api generate`; tests fail while the committed files are stale.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crdFiles } from '../src/crd/files.ts';
import { docFiles } from '../src/docs/markdown.ts';

const packageDir = join(import.meta.dirname, '..');

async function writeAll(
  dir: string,
  files: Map<string, string>,
  owned: (name: string) => boolean,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Remove files a renamed or deleted kind left behind, but only the ones this script owns.
  for (const name of await readdir(dir)) {
    if (owned(name) && !files.has(name)) await rm(join(dir, name));
  }
  for (const [name, content] of files) await writeFile(join(dir, name), content);
  console.log(`wrote ${files.size} files to ${dir}`);
}

await writeAll(join(packageDir, 'crds'), crdFiles(), (name) => name.endsWith('.yaml'));
await writeAll(join(packageDir, '..', '..', 'docs', 'api'), docFiles(), (name) => name.endsWith('.md'));
