// Reads the scenario files of this directory. A file holds the scenarios of one kustomize test
// file, each one a header and the files of its tree:
//
//   === <test name>            the scenario's name (kustomize's test function, /subtest, #run)
//   build: <dir>               the directory to build, relative to the tree (default: its top)
//   reorder: legacy|unspecified  (default: none, the order kustomize's own tests build in)
//   load-restrictor: none      build with --load-restrictor LoadRestrictionsNone (both tools)
//   managed-by-label: true     build with --enable-managedby-label (both tools)
//   error: <regular expression>  the build must fail, and our message must match this
//   # <note>                   why the scenario differs from kustomize's test, when it does
//   -- <path> --               a file; its content runs to the next `-- ` or `=== ` line
//   -- <path> (no final newline) --
//   -- <path> (base64) --        a file of bytes that are not UTF-8, base64 on one line
//
// One blank line closes each scenario. Lines before the first `===` are comments.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from '../cases/case.ts';

const fileHeader = /^-- (.+?)( \(no final newline\)| \(base64\))? --$/;

export const parseScenarios = (text: string, source: string): Scenario[] => {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const scenarios: Scenario[] = [];
  let i = lines.findIndex((l) => l.startsWith('=== '));
  if (i < 0) return scenarios;
  while (i < lines.length) {
    const name = (lines[i] as string).slice(4);
    const scenario: Scenario = { name, files: {}, reorder: 'none' };
    i++;
    for (; i < lines.length && !lines[i]?.startsWith('-- ') && !lines[i]?.startsWith('=== '); i++) {
      if (lines[i] === '' || lines[i]?.startsWith('# ')) continue;
      const [key, ...rest] = (lines[i] as string).split(': ');
      const value = rest.join(': ');
      if (key === 'build') scenario.build = value;
      else if (key === 'reorder' && value === 'legacy') scenario.reorder = 'legacy';
      else if (key === 'reorder' && value === 'unspecified') delete scenario.reorder;
      else if (key === 'load-restrictor' && value === 'none') scenario.loadRestrictions = 'none';
      else if (key === 'managed-by-label' && value === 'true') scenario.managedByLabel = true;
      else if (key === 'error') scenario.error = new RegExp(value, 'i');
      else throw new Error(`${source}: ${name}: unknown line ${JSON.stringify(lines[i])}`);
    }
    while (i < lines.length && !lines[i]?.startsWith('=== ')) {
      const header = fileHeader.exec(lines[i] as string);
      if (!header)
        throw new Error(`${source}: ${name}: expected a file header, got ${JSON.stringify(lines[i])}`);
      const start = ++i;
      while (i < lines.length && !lines[i]?.startsWith('-- ') && !lines[i]?.startsWith('=== ')) i++;
      const body = lines.slice(start, i);
      // The blank line that closes the scenario belongs to no file.
      if (i === lines.length || lines[i]?.startsWith('=== ')) body.pop();
      const content = body.join('\n');
      scenario.files[header[1] as string] =
        header[2] === ' (base64)' ? Buffer.from(content, 'base64') : content + (header[2] ? '' : '\n');
    }
    scenarios.push(scenario);
  }
  return scenarios;
};

/** Every scenario of this directory, by the kustomize test file it comes from. */
export const krustyFiles = (): { file: string; scenarios: Scenario[] }[] => {
  const dir = import.meta.dirname;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txtar'))
    .sort()
    .map((f) => ({
      file: `${f.slice(0, -'.txtar'.length)}_test.go`,
      scenarios: parseScenarios(readFileSync(path.join(dir, f), 'utf8'), f),
    }));
};
