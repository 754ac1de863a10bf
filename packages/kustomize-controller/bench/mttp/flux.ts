/**
 * Flux's kustomize-controller for the side-by-side run: v1.9.6 (Flux 2.9), built from the Go
 * module proxy on first use into ~/.cache/weft/flux/, through a wrapper module that requires it
 * and builds its main package (its go.mod's replace directives copied, since a dependency's
 * replaces do not apply; the one pointing at its own ./api dropped, the api module comes from the
 * proxy at the same version). Pinned, and never part of CI.
 *
 * It needs its Kustomization CRD (from its module's config/crd/bases) and source-controller's
 * CRDs (GitRepository, OCIRepository, Bucket, ExternalArtifact: it watches them all), from
 * source-controller's module of the same Flux release. No Flux source-controller runs: the
 * benchmark serves the artifact itself and writes the GitRepository's status, as it does for weft.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '@weft/runtime/client';
import { parseAllDocuments } from 'yaml';

const exec = promisify(execFile);

export const fluxVersions = {
  kustomizeController: 'v1.9.6',
  sourceController: 'v1.9.6',
} as const;

const kustomizeModule = 'github.com/fluxcd/kustomize-controller';
const sourceModule = 'github.com/fluxcd/source-controller';
const cacheRoot = join(process.env.WEFT_CACHE_DIR ?? join(homedir(), '.cache', 'weft'), 'flux');
const buildDir = join(cacheRoot, `kustomize-controller-${fluxVersions.kustomizeController}`);
export const fluxBinary = join(buildDir, 'kustomize-controller');

async function go(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  await mkdir(cwd, { recursive: true });
  const { stdout } = await exec('go', args, {
    cwd,
    env: { ...process.env, GOTOOLCHAIN: 'local', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** The module's directory in the module cache (downloaded when absent). */
async function moduleDir(module: string, version: string): Promise<{ dir: string; goMod: string }> {
  const info = JSON.parse(await go(['mod', 'download', '-json', `${module}@${version}`], cacheRoot)) as {
    Dir: string;
    GoMod: string;
  };
  return { dir: info.Dir, goMod: info.GoMod };
}

/** The wrapper's go.mod: the controller's own, renamed, requiring the controller. */
function wrapperGoMod(upstream: string): string {
  return upstream
    .replace(/^module .*$/m, 'module weft.dev/flux-bench/kustomize-controller')
    .replace(/^replace github\.com\/fluxcd\/kustomize-controller\/api => \.\/api\n/m, '')
    .replace('require (', `require (\n\t${kustomizeModule} ${fluxVersions.kustomizeController}`);
}

/** Builds Flux's kustomize-controller when it is not in the cache yet; returns its path. */
export async function ensureFluxBinary(log: (line: string) => void): Promise<string> {
  if (
    await access(fluxBinary).then(
      () => true,
      () => false,
    )
  )
    return fluxBinary;
  log(`building Flux kustomize-controller ${fluxVersions.kustomizeController} into ${buildDir} (once)`);
  const { goMod } = await moduleDir(kustomizeModule, fluxVersions.kustomizeController);
  await mkdir(buildDir, { recursive: true });
  await writeFile(join(buildDir, 'go.mod'), wrapperGoMod(await readFile(goMod, 'utf8')));
  // Plain `go build` of the main package: -mod=mod records the sums it needs (no `go mod tidy`,
  // which would chase the test-only dependencies of every module).
  await go(['build', '-o', fluxBinary, kustomizeModule], buildDir, { GOFLAGS: '-mod=mod' });
  return fluxBinary;
}

async function crdsIn(dir: string, match: (file: string) => boolean): Promise<KubeObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && match(f)).sort();
  const crds: KubeObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds;
}

/** Flux's CRDs the controller needs: its Kustomization and every source kind it watches. */
export async function fluxCrds(): Promise<KubeObject[]> {
  const kustomize = await moduleDir(kustomizeModule, fluxVersions.kustomizeController);
  const source = await moduleDir(sourceModule, fluxVersions.sourceController);
  return [
    ...(await crdsIn(join(kustomize.dir, 'config/crd/bases'), () => true)),
    ...(await crdsIn(join(source.dir, 'config/crd/bases'), () => true)),
  ];
}

/** Flux's flags for an out-of-cluster run beside weft's, with the same concurrency. */
export function fluxArgs(options: { metricsPort: number; healthPort: number; concurrent: string }): string[] {
  return [
    `--metrics-addr=127.0.0.1:${options.metricsPort}`,
    `--health-addr=127.0.0.1:${options.healthPort}`,
    '--enable-leader-election=false',
    '--watch-all-namespaces=true',
    `--concurrent=${options.concurrent}`,
    '--log-level=error',
    '--events-addr=',
  ];
}
