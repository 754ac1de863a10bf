/**
 * Gitea built from the Go module proxy for the forge tests (see gitea.ts, which runs it): a
 * wrapper module requiring code.gitea.io/gitea with Gitea's own `replace` directives, `go build`
 * of its main package with sqlite, cached under `${WEFT_CACHE_DIR:-~/.cache/weft}/bin/gitea-<version>/`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../toolchain.ts';
import { run } from './process.ts';

export const giteaVersion = 'v1.26.0';
const giteaModule = 'code.gitea.io/gitea';

export function giteaBinaryPath(): string {
  return join(cacheDir(), 'bin', `gitea-${giteaVersion}`, 'gitea');
}

/** Beside the binary: the module directory Gitea's templates and locales are read from. */
export function staticRootFile(): string {
  return join(cacheDir(), 'bin', `gitea-${giteaVersion}`, 'static-root');
}

export function giteaBuilt(): boolean {
  return existsSync(giteaBinaryPath()) && existsSync(staticRootFile());
}

/** Why a test that needs Gitea skips when it is not built. */
export const giteaSkipReason = `Gitea ${giteaVersion} is not built (its cold build takes longer than CI allows for one test); build it once with \`node e2e/src/servers/gitea.ts build\` (into ${join('~/.cache/weft/bin', `gitea-${giteaVersion}`)})`;

/**
 * Builds Gitea from the Go module proxy (minutes; cached afterwards). Gitea's go.mod has
 * `replace` directives a requiring module does not inherit: they are copied into the wrapper.
 */
export async function buildGitea(log: (line: string) => void = () => {}): Promise<string> {
  const out = giteaBinaryPath();
  if (existsSync(out)) return out;
  const work = join(cacheDir(), 'src', `gitea-${giteaVersion}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const env = {
    ...process.env,
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOTOOLCHAIN: 'local',
    // mattn/go-sqlite3 is cgo.
    CGO_ENABLED: '1',
  };
  await writeFile(join(work, 'go.mod'), 'module weft.dev/toolchain/wrapper\n\ngo 1.26.2\n');
  await run('go', ['mod', 'edit', `-require=${giteaModule}@${giteaVersion}`], { cwd: work, env });
  const info = JSON.parse(
    await run('go', ['mod', 'download', '-json', `${giteaModule}@${giteaVersion}`], { cwd: work, env }),
  ) as { GoMod?: string };
  if (!info.GoMod) throw new Error(`go mod download ${giteaModule}@${giteaVersion} named no go.mod`);
  const replaces = replaceDirectives(await readFile(info.GoMod, 'utf8'));
  if (replaces.length > 0) {
    await run('go', ['mod', 'edit', ...replaces.map((r) => `-replace=${r}`)], { cwd: work, env });
  }
  log(`building gitea ${giteaVersion} (a cold build takes many minutes)`);
  const tmp = `${out}.tmp`;
  await mkdir(join(cacheDir(), 'bin', `gitea-${giteaVersion}`), { recursive: true });
  await run(
    'go',
    [
      'build',
      '-trimpath',
      '-gcflags=all=-dwarf=false',
      '-tags',
      'sqlite sqlite_unlock_notify',
      '-ldflags',
      `-s -w -X main.Version=${giteaVersion.slice(1)}`,
      '-o',
      tmp,
      giteaModule,
    ],
    { cwd: work, env },
  );
  // Without bindata Gitea reads its templates and locales (options/) from STATIC_ROOT_PATH:
  // the module's directory holds them (only the built web assets are missing).
  const moduleDir = (
    await run('go', ['list', '-m', '-f', '{{.Dir}}', giteaModule], { cwd: work, env })
  ).trim();
  await writeFile(staticRootFile(), `${moduleDir}\n`);
  await rename(tmp, out);
  return out;
}

/** `old => new version` lines of a go.mod (one-line and block form) as `old=new@version`. */
export function replaceDirectives(goMod: string): string[] {
  const directives: string[] = [];
  let inBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === 'replace (') {
      inBlock = true;
      continue;
    }
    if (inBlock && line === ')') {
      inBlock = false;
      continue;
    }
    const body = inBlock ? line : line.startsWith('replace ') ? line.slice('replace '.length).trim() : '';
    const match = /^(\S+)(?:\s+\S+)?\s+=>\s+(\S+)\s+(\S+)$/.exec(body);
    if (match) directives.push(`${match[1]}=${match[2]}@${match[3]}`);
  }
  return directives;
}
