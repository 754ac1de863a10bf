#!/usr/bin/env node
/**
 * Flux's own controllers for side-by-side benchmarks (never part of CI or setup), built from the
 * Go module proxy on first use into `${WEFT_CACHE_DIR:-~/.cache/weft}/flux/<name>-<version>/<name>`.
 *
 * A controller module's `replace` directives do not apply when another module requires it, so
 * each is built through a wrapper module: the controller's go.mod with its module line renamed,
 * its local replaces (its own `./api`, which then comes from the proxy at the same version) and
 * `toolchain` line dropped, requiring the controller, plus the `replaces` its entry names (a
 * version upstream requires that the proxy refuses, swapped for the nearest one it serves). Then a
 * plain `go build` of the controller's main package; -mod=mod records the sums it needs (no `go
 * mod tidy`, which chases test-only modules the proxy refuses). CRDs come from the module's
 * config/crd/bases. A lock file beside the binary keeps two callers from building it at once.
 *
 *   node e2e/src/flux/build.ts <name>     builds it (if needed) and prints the binary's path
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { processAlive, sleep } from '../servers/process.ts';
import { cacheDir } from '../toolchain.ts';

const exec = promisify(execFile);

/** One Flux controller as the Go module proxy serves it. */
export interface FluxBuild {
  /** The binary's name and the start of its cache directory's, e.g. `source-controller`. */
  readonly name: string;
  readonly module: string;
  readonly version: string;
  /** `module path → version` the wrapper pins instead of what upstream requires. */
  readonly replaces?: Readonly<Record<string, string>>;
}

/** The Flux controllers weft's benchmarks run beside their own: Flux 2.9's line. */
export const fluxBuilds = {
  'source-controller': {
    name: 'source-controller',
    module: 'github.com/fluxcd/source-controller',
    version: 'v1.9.6',
    // Refused by the proxy ("403: This module version is not available") when the build was made.
    replaces: { 'github.com/fluxcd/pkg/artifact': 'v0.18.1' },
  },
  'kustomize-controller': {
    name: 'kustomize-controller',
    module: 'github.com/fluxcd/kustomize-controller',
    version: 'v1.9.6',
  },
  // The newest v1.6 the proxy serves; built against source-controller/api v1.9.
  'helm-controller': {
    name: 'helm-controller',
    module: 'github.com/fluxcd/helm-controller',
    version: 'v1.6.4',
  },
  // The newest v1.2 the proxy serves (v1.2.5 and v1.3.0 are refused; `go list -m -versions` is
  // too): the same controller-runtime and Kubernetes line as source-controller v1.9.6.
  'image-reflector-controller': {
    name: 'image-reflector-controller',
    module: 'github.com/fluxcd/image-reflector-controller',
    version: 'v1.2.4',
    // v0.18.2's zip is refused (its .info is served); v1.2.3 was released on v0.18.1.
    replaces: { 'github.com/fluxcd/pkg/artifact': 'v0.18.1' },
  },
} as const satisfies Record<string, FluxBuild>;

export type FluxControllerName = keyof typeof fluxBuilds;

export interface BuiltFluxController {
  binary: string;
  /** The CRD manifests of the controller's module at that version. */
  crdFiles: string[];
}

/** A CustomResourceDefinition as read from a manifest. */
export interface FluxCrd {
  apiVersion: string;
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  [field: string]: unknown;
}

function fluxRoot(): string {
  return join(cacheDir(), 'flux');
}

/** Where the build of `build` lives: `<cache>/flux/<name>-<version>/<name>`. */
export function fluxBinaryPath(build: FluxBuild): string {
  return join(fluxRoot(), `${build.name}-${build.version}`, build.name);
}

async function go(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  await mkdir(cwd, { recursive: true });
  const { stdout } = await exec('go', args, {
    cwd,
    env: { ...process.env, GOTOOLCHAIN: 'local', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** The module's directory and go.mod in the module cache (downloaded when absent). */
async function downloadModule(build: FluxBuild): Promise<{ dir: string; goMod: string }> {
  const info = JSON.parse(
    await go(['mod', 'download', '-json', `${build.module}@${build.version}`], fluxRoot()),
  ) as { Dir: string; GoMod: string };
  return { dir: info.Dir, goMod: info.GoMod };
}

/** The wrapper's go.mod (see the header); exported for its unit test. */
export function wrapperGoMod(build: FluxBuild, upstream: string): string {
  const kept = upstream
    .split('\n')
    .filter((line) => !/^module\s/.test(line) && !/^toolchain\s/.test(line) && !/=>\s*\.{1,2}\//.test(line));
  return [
    `module weft.dev/flux-bench/${build.name}`,
    ...kept,
    `require ${build.module} ${build.version}`,
    ...Object.entries(build.replaces ?? {}).map(([path, version]) => `replace ${path} => ${path} ${version}`),
    '',
  ].join('\n');
}

/** Holds `<dir>/.build.lock` while `work` runs; waits for a live holder, takes over a dead one's. */
async function withBuildLock(
  dir: string,
  log: (line: string) => void,
  work: () => Promise<void>,
): Promise<void> {
  const lock = join(dir, '.build.lock');
  for (let waited = false; ; ) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      if (!Number.isNaN(holder) && processAlive(holder)) {
        if (!waited) log(`process ${holder} is building it already: waiting`);
        waited = true;
        await sleep(10_000);
      } else {
        await rm(lock, { force: true });
      }
    }
  }
  try {
    await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/** Builds `build` once (per version) and returns its binary and CRD files. */
export async function buildFluxController(
  build: FluxBuild,
  log: (line: string) => void = () => {},
): Promise<BuiltFluxController> {
  const binary = fluxBinaryPath(build);
  const dir = join(binary, '..');
  if (!existsSync(binary)) {
    await mkdir(dir, { recursive: true });
    await withBuildLock(dir, log, async () => {
      if (existsSync(binary)) return; // built by the holder we waited for
      log(`building Flux ${build.name} ${build.version} into ${dir} (minutes, once)`);
      const { goMod } = await downloadModule(build);
      await writeFile(join(dir, 'go.mod'), wrapperGoMod(build, await readFile(goMod, 'utf8')));
      await go(['build', '-trimpath', '-o', `${binary}.tmp`, build.module], dir, { GOFLAGS: '-mod=mod' });
      await rename(`${binary}.tmp`, binary);
    });
  }
  return { binary, crdFiles: await fluxCrdFiles(build) };
}

/** The CRD manifests of the module (downloaded, not built), sorted by file name. */
export async function fluxCrdFiles(build: FluxBuild): Promise<string[]> {
  const bases = join((await downloadModule(build)).dir, 'config', 'crd', 'bases');
  return (await readdir(bases))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(bases, name));
}

/** The CustomResourceDefinitions in `files`, in order. */
export async function readFluxCrds(files: readonly string[]): Promise<FluxCrd[]> {
  const crds: FluxCrd[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const obj = doc.toJS() as { kind?: unknown } | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj as FluxCrd);
    }
  }
  return crds;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const name = process.argv[2] ?? '';
  if (!Object.hasOwn(fluxBuilds, name)) {
    console.error(`usage: build.ts <${Object.keys(fluxBuilds).join('|')}>`);
    process.exit(2);
  }
  const built = await buildFluxController(fluxBuilds[name as FluxControllerName], (line) =>
    console.error(line),
  );
  console.log(built.binary);
}
