/**
 * Flux's own source-controller, for side-by-side benchmarks (not part of CI): built from the Go
 * module proxy into `${WEFT_CACHE_DIR:-~/.cache/weft}/flux/source-controller-<version>/` when
 * absent, through a wrapper module that requires it and `go build`s its main package (the
 * upstream go.mod's requirements and non-local replaces copied; no `go mod tidy`, which trips over
 * test-only modules the proxy refuses). Its CRDs come from the module's config/crd/bases.
 *   node bench/flux-source-controller.ts     builds it (if needed) and prints the binary's path
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The source-controller Flux 2.9 ships. */
export const fluxSourceControllerVersion = 'v1.9.6';
const module = 'github.com/fluxcd/source-controller';

export interface FluxSourceController {
  binary: string;
  /** The CRD manifests (source.toolkit.fluxcd.io) of that version. */
  crdFiles: string[];
}

function cacheDir(): string {
  return join(
    process.env.WEFT_CACHE_DIR ?? join(homedir(), '.cache', 'weft'),
    'flux',
    `source-controller-${fluxSourceControllerVersion}`,
  );
}

async function go(args: string[], cwd: string): Promise<string> {
  const { stdout } = await exec('go', args, {
    cwd,
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

/**
 * Module versions upstream requires that the Go module proxy refuses here ("403: This module
 * version is not available"), replaced by the nearest release it serves.
 */
const proxyFallbacks: Record<string, string> = {
  'github.com/fluxcd/pkg/artifact': 'v0.18.1',
};

/** The wrapper's go.mod: upstream's requirements and replaces (local ones dropped) plus upstream itself. */
function wrapperGoMod(upstream: string): string {
  const kept = upstream
    .split('\n')
    .filter((line) => !/^module\s/.test(line) && !/=>\s*\.{1,2}\//.test(line) && !/^toolchain\s/.test(line));
  return [
    'module weft.dev/flux-source-controller',
    ...kept,
    `require ${module} ${fluxSourceControllerVersion}`,
    ...Object.entries(proxyFallbacks).map(([path, version]) => `replace ${path} => ${path} ${version}`),
    '',
  ].join('\n');
}

/** Builds (once per version) and returns Flux's source-controller and its CRD files. */
export async function fluxSourceController(
  log: (line: string) => void = () => {},
): Promise<FluxSourceController> {
  const dir = cacheDir();
  const binary = join(dir, 'source-controller');
  await mkdir(dir, { recursive: true });
  if (!existsSync(binary)) {
    log(`building Flux source-controller ${fluxSourceControllerVersion} into ${dir} (minutes, once)`);
    const modFile = join(
      await go(['env', 'GOMODCACHE'], dir),
      'cache/download',
      module,
      '@v',
      `${fluxSourceControllerVersion}.mod`,
    );
    if (!existsSync(modFile))
      await go(['mod', 'download', '-json', `${module}@${fluxSourceControllerVersion}`], dir);
    await writeFile(join(dir, 'go.mod'), wrapperGoMod(await readFile(modFile, 'utf8')));
    await writeFile(join(dir, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport _ "${module}"\n`);
    await go(['build', '-trimpath', '-o', `${binary}.tmp`, module], dir);
    await rename(`${binary}.tmp`, binary);
  }
  const moduleDir = await go(['list', '-m', '-f', '{{.Dir}}', module], dir);
  const bases = join(moduleDir, 'config', 'crd', 'bases');
  const crdFiles = (await readdir(bases))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => join(bases, name));
  return { binary, crdFiles };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await fluxSourceController((line) => console.error(line));
  console.log(built.binary);
}
