/**
 * A controller's production files as the image runs them: the controller's package and the
 * workspace packages it depends on, each at its path in the repository (under /app), with only
 * their production dependencies installed by pnpm from the lockfile.
 *
 * Not `pnpm deploy`: it copies workspace packages into node_modules, and Node refuses to strip
 * the types of .ts files under node_modules, which is what every weft package is. Here a
 * filtered, frozen, offline `pnpm install --prod` in a copy of the workspace that holds just
 * those packages links them by relative symlinks, as in the repository.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
}

async function readPackage(dir: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The workspace packages `name` needs at run time (itself included), as `packages/<dir>` paths. */
export async function workspaceClosure(repoRoot: string, packageDir: string): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = await readPackage(join(repoRoot, dir));
    for (const [dependency, spec] of Object.entries(pkg.dependencies ?? {})) {
      if (!spec.startsWith('workspace:')) continue;
      // Every workspace package lives at packages/<name without the @weft/ scope>.
      await visit(`packages/${dependency.replace(/^@weft\//, '')}`);
    }
  };
  await visit(packageDir);
  return [...seen].sort();
}

/** What of a package goes into an image: its manifest, its sources and bins, no tests or benches. */
export function runtimeFile(source: string): boolean {
  const name = source.split('/').pop() ?? '';
  if (name === 'node_modules' || name === 'test' || name === 'bench' || name.startsWith('.test-summary'))
    return false;
  return !name.endsWith('.test.ts');
}

/**
 * Stages the controller under `<root>/app` and installs its production dependencies. Returns the
 * bin's path inside the image (`/app/packages/…/bin/…js`).
 */
export async function stageApp(repoRoot: string, packageDir: string, root: string): Promise<string> {
  const app = join(root, 'app');
  await rm(app, { recursive: true, force: true });
  await mkdir(app, { recursive: true });
  for (const file of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml']) {
    await cp(join(repoRoot, file), join(app, file));
  }
  for (const dir of await workspaceClosure(repoRoot, packageDir)) {
    await cp(join(repoRoot, dir), join(app, dir), { recursive: true, filter: runtimeFile });
  }
  const pkg = await readPackage(join(repoRoot, packageDir));
  await run(
    'pnpm',
    [
      'install',
      ...['--prod', '--frozen-lockfile', '--offline', '--ignore-scripts', '--reporter=silent'],
      ...['--filter', `${pkg.name}...`],
      // Copies, not hard links into the store: the staged tree is read like any other directory.
      '--config.package-import-method=copy',
    ],
    { cwd: app, maxBuffer: 16 * 1024 * 1024 },
  );
  // pnpm's own bookkeeping (absolute paths, timestamps) and the .bin shell wrappers: not needed to
  // run, and they would make the layer depend on where and when it was built.
  await run('find', [
    app,
    '(',
    '-name',
    '.bin',
    '-o',
    '-name',
    '.modules.yaml',
    '-o',
    '-name',
    '.pnpm-workspace-state*',
    ')',
    '-prune',
    '-exec',
    'rm',
    '-rf',
    '{}',
    '+',
  ]);
  await rm(join(app, 'pnpm-lock.yaml'));
  const bin = Object.values(pkg.bin ?? {})[0];
  if (!bin) throw new Error(`${packageDir}/package.json has no bin`);
  return join('/app', packageDir, bin);
}
