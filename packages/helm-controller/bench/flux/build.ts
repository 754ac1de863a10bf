/**
 * Flux's helm-controller and source-controller for the side-by-side run (never part of CI or
 * setup). helm-controller v1.6.4 (the newest v1.6 the Go module proxy serves; Flux 2.9's line,
 * built against source-controller/api v1.9) is built on first use into
 * `${WEFT_CACHE_DIR:-~/.cache/weft}/flux/helm-controller-<version>/` through a wrapper module: its
 * go.mod renamed, the replace of its own `./api` dropped (the api module comes from the proxy at
 * the same version), requiring the controller, and a plain `go build` of its main package
 * (-mod=mod records the sums it needs; no `go mod tidy`, which chases test-only modules the proxy
 * refuses). Flux's source-controller is source-controller's own bench build
 * (`packages/source-controller/bench/flux-source-controller.ts`, run as a command so no package
 * imports another's code). The CRDs come from both modules' config/crd/bases.
 *
 *   node bench/flux/build.ts     builds both (if needed) and prints the binaries' paths
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';
import { parseAllDocuments } from 'yaml';

const exec = promisify(execFile);

export const fluxHelmControllerVersion = 'v1.6.4';
const helmModule = 'github.com/fluxcd/helm-controller';
const sourceModule = 'github.com/fluxcd/source-controller';
const cacheRoot = join(process.env.WEFT_CACHE_DIR ?? join(homedir(), '.cache', 'weft'), 'flux');
const buildDir = join(cacheRoot, `helm-controller-${fluxHelmControllerVersion}`);
const helmBinary = join(buildDir, 'helm-controller');

async function go(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  await mkdir(cwd, { recursive: true });
  const { stdout } = await exec('go', args, {
    cwd,
    env: { ...process.env, GOTOOLCHAIN: 'local', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function moduleDir(module: string, version: string): Promise<{ dir: string; goMod: string }> {
  const info = JSON.parse(await go(['mod', 'download', '-json', `${module}@${version}`], cacheRoot)) as {
    Dir: string;
    GoMod: string;
  };
  return { dir: info.Dir, goMod: info.GoMod };
}

function wrapperGoMod(upstream: string): string {
  return upstream
    .replace(/^module .*$/m, 'module weft.dev/flux-bench/helm-controller')
    .replace(/^replace github\.com\/fluxcd\/helm-controller\/api => \.\/api\n/m, '')
    .replace('require (', `require (\n\t${helmModule} ${fluxHelmControllerVersion}`);
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function ensureHelmController(log: (line: string) => void): Promise<string> {
  if (await exists(helmBinary)) return helmBinary;
  log(`building Flux helm-controller ${fluxHelmControllerVersion} into ${buildDir} (minutes, once)`);
  const { goMod } = await moduleDir(helmModule, fluxHelmControllerVersion);
  await mkdir(buildDir, { recursive: true });
  await writeFile(join(buildDir, 'go.mod'), wrapperGoMod(await readFile(goMod, 'utf8')));
  await go(['build', '-trimpath', '-o', `${helmBinary}.tmp`, helmModule], buildDir, { GOFLAGS: '-mod=mod' });
  await rename(`${helmBinary}.tmp`, helmBinary);
  return helmBinary;
}

async function ensureSourceController(log: (line: string) => void): Promise<string> {
  log('Flux source-controller: packages/source-controller/bench/flux-source-controller.ts');
  const { stdout } = await exec(
    process.execPath,
    [join(repoRoot, 'packages/source-controller/bench/flux-source-controller.ts')],
    { maxBuffer: 1024 * 1024 },
  );
  return stdout.trim().split('\n').at(-1) ?? '';
}

async function crdsIn(dir: string): Promise<KubeObject[]> {
  const crds: KubeObject[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort())
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  return crds;
}

export interface FluxControllers {
  helmController: string;
  sourceController: string;
  /** HelmRelease (helm.toolkit.fluxcd.io) and every source.toolkit.fluxcd.io kind. */
  crds: KubeObject[];
}

/** Builds what is missing and returns both binaries and their CRDs. */
export async function fluxControllers(log: (line: string) => void = () => {}): Promise<FluxControllers> {
  // One after the other: two Go builds at once only compete for the same cores (and the source
  // build may meanwhile have been made by source-controller's own bench).
  const helmController = await ensureHelmController(log);
  const sourceController = await ensureSourceController(log);
  // The source build's directory is named source-controller-<version>.
  const sourceVersion = basename(dirname(sourceController)).replace(/^source-controller-/, '');
  const helm = await moduleDir(helmModule, fluxHelmControllerVersion);
  const source = await moduleDir(sourceModule, sourceVersion);
  return {
    helmController,
    sourceController,
    crds: [
      ...(await crdsIn(join(helm.dir, 'config/crd/bases'))),
      ...(await crdsIn(join(source.dir, 'config/crd/bases'))),
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await fluxControllers((line) => console.error(line));
  console.log(built.helmController);
  console.log(built.sourceController);
  console.log(`${built.crds.length} CRDs`);
}
