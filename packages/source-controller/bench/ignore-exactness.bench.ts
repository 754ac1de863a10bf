/**
 * How exactly source-controller's IgnoreRules (the `ignore` library, with .sourceignore files
 * rebased to the root) agree with git itself. For each case (a gitignore text), a temp
 * repository gets a fixed tree of files and the text as `.gitignore` at the root, then as
 * `src/.gitignore`; `git check-ignore --no-index --stdin` says which paths git ignores, and
 * IgnoreRules is asked the same (`addSourceIgnore(text, '')`, then `(text, 'src')`). Prints the
 * cases and paths where it differs from git, then the time to answer for a large tree.
 *
 *   node bench/ignore-exactness.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { IgnoreRules } from '../src/ignore/index.ts';

const files = [
  'README.md',
  'a.txt',
  'b.log',
  'debug.log',
  'build/out.js',
  'build/keep.txt',
  'src/build/x.ts',
  'src/main.ts',
  'src/main.test.ts',
  'src/deep/nested/file.log',
  'src/deep/nested/file.txt',
  'docs/a.md',
  'docs/sub/b.md',
  'docs/sub/c.png',
  'logs/today.log',
  'logs/keep/important.log',
  'foo/bar/baz.txt',
  'foo/x/bar/baz.txt',
  'x/foo/bar/baz.txt',
  'space name.txt',
  '#hash.txt',
  '!bang.txt',
  'trailing\\ .txt',
  'img/photo.JPG',
  'img/photo.jpg',
  'deploy/.sops.yaml',
  '.hidden/file',
  'abc/def.yaml',
  'ab/c.yaml',
  'a/b/c/d.yaml',
  'charts/app/values.yaml',
  'charts/app/templates/deploy.yaml',
];

const cases = [
  '*.log',
  '*.log\n!debug.log',
  'build/',
  '/build',
  'build',
  '/build/\n!/build/keep.txt',
  'build/*\n!build/keep.txt',
  'logs/\n!logs/keep/',
  'logs/*\n!logs/keep/',
  'logs/**\n!logs/keep/\n!logs/keep/**',
  '**/nested',
  'src/**/file.log',
  '**/bar/baz.txt',
  'foo/**/baz.txt',
  'foo/*/baz.txt',
  'a/**/d.yaml',
  'a/**',
  '**',
  '*',
  '*\n!*/\n!*.yaml',
  '/*\n!/charts/',
  '/*\n!/charts\n/charts/*\n!/charts/app/',
  '[ab]*.txt',
  '[!a]*.txt',
  'a?txt',
  '?.txt',
  'space\\ name.txt',
  'space name.txt',
  '\\#hash.txt',
  '#hash.txt',
  '\\!bang.txt',
  'trailing\\ .txt',
  'trailing\\\\ .txt',
  '*.jpg',
  '*.[jJ][pP][gG]',
  '**/.sops.yaml',
  '.hidden',
  '.*',
  'docs/*.md',
  'docs/**/*.md',
  '/docs/sub',
  'sub/',
  'ab*',
  'ab*/',
  '*.yaml\n!charts/**/*.yaml',
  'charts/\n!charts/app/values.yaml',
  'src/*.ts\n!src/main.ts',
  '*.test.ts',
  '  *.log',
  '*.log   ',
  '*.log\\ ',
  'a/b/',
  'b/c',
  '**/c',
  'src/**',
  'src/**/',
  '***.log',
  'x/**/foo/**/baz.txt',
];

function gitIgnored(repo: string): Set<string> {
  let out = '';
  try {
    out = execFileSync('git', ['-C', repo, 'check-ignore', '--no-index', '--stdin'], {
      input: files.join('\n'),
      encoding: 'utf8',
    });
  } catch (error) {
    // Exit status 1: nothing is ignored.
    const status = (error as { status?: number }).status;
    if (status !== 1) throw error;
    out = (error as { stdout?: string }).stdout ?? '';
  }
  return new Set(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => (line.startsWith('"') ? (JSON.parse(line) as string) : line)),
  );
}

function ours(text: string, base: string): Set<string> {
  const rules = new IgnoreRules('');
  rules.addSourceIgnore(text, base);
  return new Set(files.filter((file) => rules.ignores(file, false)));
}

const work = mkdtempSync(join(tmpdir(), 'weft-ignore-bench-'));
const differences: Record<string, string[]> = { root: [], 'src/': [] };
try {
  for (const [index, text] of cases.entries()) {
    for (const [layout, base] of [
      ['root', ''],
      ['src/', 'src'],
    ] as const) {
      const repo = join(work, `${index}-${base || 'root'}`);
      for (const file of files) {
        mkdirSync(dirname(join(repo, file)), { recursive: true });
        writeFileSync(join(repo, file), '');
      }
      execFileSync('git', ['init', '-q', repo]);
      writeFileSync(join(repo, base, '.gitignore'), `${text}\n`);
      const expected = gitIgnored(repo);
      const actual = ours(text, base);
      const wrong = files.filter((file) => expected.has(file) !== actual.has(file));
      if (wrong.length > 0) {
        differences[layout]?.push(
          `  ${JSON.stringify(text)}: ${wrong.map((file) => `${file} (git ${expected.has(file) ? 'ignores' : 'keeps'})`).join(', ')}`,
        );
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const checks = cases.length * files.length;
for (const [layout, lines] of Object.entries(differences)) {
  const wrongPaths = lines.reduce((sum, line) => sum + (line.match(/ \(git /g)?.length ?? 0), 0);
  console.log(
    `IgnoreRules, gitignore at ${layout.padEnd(5)} differs from git in ${lines.length}/${cases.length} cases, ${wrongPaths}/${checks} path answers`,
  );
  for (const line of lines) console.log(line);
}

// Speed: 200k paths of a monorepo-like tree against the default exclusions plus a .sourceignore.
const sourceIgnore = '*.log\n!keep.log\ncharts/**/tests/\n/docs/\n**/tmp/';
const paths: string[] = [];
for (let i = 0; paths.length < 200_000; i++) {
  paths.push(
    `apps/team-${i % 50}/service-${i % 400}/k8s/deploy-${i}.yaml`,
    `apps/team-${i % 50}/img/logo-${i}.png`,
  );
  paths.push(`charts/c-${i % 30}/tests/t-${i}.yaml`, `infra/tmp/${i}.log`);
}
const rules = new IgnoreRules(undefined);
rules.addSourceIgnore(sourceIgnore, '');
for (let round = 0; round < 2; round++) {
  const started = performance.now();
  let count = 0;
  for (const path of paths) if (rules.ignores(path, false)) count++;
  console.log(
    `IgnoreRules ${paths.length} paths in ${(performance.now() - started).toFixed(0)} ms (${count} ignored)`,
  );
}
