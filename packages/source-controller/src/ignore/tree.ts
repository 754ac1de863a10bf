import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { IgnoreRules, sourceIgnoreFile } from './rules.ts';

/**
 * The ignore rules of a source already on disk (an extracted OCI layer, a downloaded bucket):
 * `spec.ignore` or the defaults, plus every `.sourceignore` below `dir` in directories that are
 * not themselves ignored.
 */
export async function ignoreRulesForTree(dir: string, specIgnore: string | undefined): Promise<IgnoreRules> {
  const rules = new IgnoreRules(specIgnore);
  const visit = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    const base = relative(dir, current).split('\\').join('/');
    const ignoreFile = entries.find((entry) => entry.isFile() && entry.name === sourceIgnoreFile);
    if (ignoreFile) rules.addSourceIgnore(await readFile(join(current, sourceIgnoreFile), 'utf8'), base);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = base === '' ? entry.name : `${base}/${entry.name}`;
      if (!rules.excludes(path, true)) await visit(join(current, entry.name));
    }
  };
  await visit(dir);
  return rules;
}
