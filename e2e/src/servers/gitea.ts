/**
 * A real forge on loopback for the tests of pull requests: Gitea v1.26.0, built from the Go
 * module proxy (a wrapper module requiring code.gitea.io/gitea with Gitea's own `replace`
 * directives, `go build` of its main package with sqlite; its web assets are not in the module
 * zip, and the REST API and git over HTTP do not need them).
 *
 * Not an `e2e/run setup` tool: the cold build took over 8 minutes on the shared 2-core machine
 * (docs/design/0019 has the figures), which cold CI cannot afford. `buildGitea()` (or
 * `node e2e/src/servers/gitea.ts build`) builds it into `${WEFT_CACHE_DIR:-~/.cache/weft}/bin/gitea-v1.26.0/`;
 * tests that need it skip, saying how to build it, until it is there.
 *
 * `startGitea()` runs it with sqlite, INSTALL_LOCK, no SSH, an admin user made with
 * `gitea admin user create`, and an API token made through the API.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../cluster/ports.ts';
import { ManagedProcess } from '../cluster/process.ts';
import { basicAuthHeader } from './basic-auth.ts';
import { isolatedGitEnv } from './git-repos.ts';
import { buildGitea, giteaBinaryPath, giteaBuilt, giteaSkipReason, staticRootFile } from './gitea-build.ts';
import { loopbackHost } from './loopback.ts';
import { makeTempDir, removeDir, run, sleep } from './process.ts';

export interface GiteaRepository {
  owner: string;
  name: string;
  /** Clone URL without credentials. */
  cloneUrl: string;
}

export interface GiteaPull {
  number: number;
  state: string;
  merged: boolean;
  title: string;
  body: string;
  html_url: string;
  head: { ref: string; sha: string };
  base: { ref: string };
}

export async function startGitea(): Promise<Gitea> {
  const binary = giteaBinaryPath();
  if (!giteaBuilt()) throw new Error(giteaSkipReason);
  const staticRoot = (await readFile(staticRootFile(), 'utf8')).trim();
  const dir = await makeTempDir('gitea');
  const username = 'weft-bot';
  const password = randomBytes(12).toString('base64url');
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, 'app.ini');
      await writeFile(config, appIni(dir, port, staticRoot));
      const env = giteaEnv(dir);
      await run(binary, ['--config', config, '--work-path', dir, 'migrate'], { cwd: dir, env });
      if (attempt === 1) {
        await run(
          binary,
          [
            '--config',
            config,
            '--work-path',
            dir,
            'admin',
            'user',
            'create',
            '--username',
            username,
            '--password',
            password,
            '--email',
            'weft-bot@example.invalid',
            '--admin',
            '--must-change-password=false',
          ],
          { cwd: dir, env },
        );
      }
      const daemon = new ManagedProcess({
        name: 'gitea',
        command: binary,
        args: ['--config', config, '--work-path', dir, 'web'],
        env,
        replaceEnv: true,
        cwd: dir,
        group: true,
        logFile: join(dir, 'gitea.log'),
      }).start();
      const baseUrl = `http://${loopbackHost}:${port}`;
      try {
        await waitUntilReady(baseUrl, daemon);
      } catch (error) {
        await daemon.stop();
        if (attempt < 5 && /address already in use/i.test(daemon.output)) continue;
        throw error;
      }
      const gitea = new Gitea({ dir, daemon, baseUrl, username, password, token: '' });
      const token = await gitea.createToken();
      return new Gitea({ dir, daemon, baseUrl, username, password, token });
    }
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

function giteaEnv(dir: string): Record<string, string> {
  return {
    ...(isolatedGitEnv(dir) as Record<string, string>),
    GITEA_WORK_DIR: dir,
    GITEA_CUSTOM: join(dir, 'custom'),
    USER: userInfo().username,
    // Gitea refuses root unless told; the e2e machine runs tests as root.
    GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT: 'true',
  };
}

function appIni(dir: string, port: number, staticRoot: string): string {
  return `APP_NAME = weft-e2e
RUN_MODE = prod
RUN_USER = ${userInfo().username}
WORK_PATH = ${dir}
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = ${process.getuid?.() === 0 ? 'true' : 'false'}

[database]
DB_TYPE = sqlite3
PATH = ${join(dir, 'gitea.db')}

[repository]
ROOT = ${join(dir, 'repositories')}
DEFAULT_BRANCH = main

[server]
PROTOCOL = http
HTTP_ADDR = ${loopbackHost}
HTTP_PORT = ${port}
ROOT_URL = http://${loopbackHost}:${port}/
APP_DATA_PATH = ${join(dir, 'data')}
STATIC_ROOT_PATH = ${staticRoot}
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false

[security]
INSTALL_LOCK = true
SECRET_KEY = ${randomBytes(32).toString('hex')}
PASSWORD_HASH_ALGO = pbkdf2_hi

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[mailer]
ENABLED = false

[actions]
ENABLED = false

[cron]
ENABLED = false

[log]
MODE = console
LEVEL = Warn
ROOT_PATH = ${join(dir, 'log')}
`;
}

async function waitUntilReady(baseUrl: string, daemon: ManagedProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.hasExited) throw new Error(`gitea exited before it was ready:\n${daemon.output}`);
    try {
      const response = await fetch(`${baseUrl}/api/v1/version`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`gitea not ready after ${timeoutMs} ms:\n${daemon.output}`);
    await sleep(200);
  }
}

interface GiteaParts {
  dir: string;
  daemon: ManagedProcess;
  baseUrl: string;
  username: string;
  password: string;
  token: string;
}

export class Gitea {
  readonly baseUrl: string;
  /** The admin user. */
  readonly username: string;
  /** An API token of the admin user (scopes: all). */
  readonly token: string;
  readonly #parts: GiteaParts;

  constructor(parts: GiteaParts) {
    this.#parts = parts;
    this.baseUrl = parts.baseUrl;
    this.username = parts.username;
    this.token = parts.token;
  }

  get log(): string {
    return this.#parts.daemon.output;
  }

  /** An API call as the admin user; throws with the status and body on an error status. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const auth = this.#parts.token
      ? `token ${this.#parts.token}`
      : basicAuthHeader({ username: this.username, password: this.#parts.password });
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        Authorization: auth,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`gitea ${method} ${path}: HTTP ${response.status}: ${text.slice(0, 500)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async createToken(): Promise<string> {
    const created = await this.api<{ sha1: string }>('POST', `/users/${this.username}/tokens`, {
      name: `weft-e2e-${randomBytes(4).toString('hex')}`,
      scopes: ['write:repository', 'write:user', 'write:issue'],
    });
    return created.sha1;
  }

  /** A repository of the admin user with `files` committed on `main`, pushed over HTTP with git. */
  async createRepo(name: string, files: Record<string, string>): Promise<GiteaRepository> {
    await this.api('POST', '/user/repos', { name, default_branch: 'main', auto_init: false, private: false });
    const cloneUrl = `${this.baseUrl}/${this.username}/${name}.git`;
    const work = await makeTempDir('gitea-seed');
    try {
      const env = isolatedGitEnv(work);
      const git = (...args: string[]) => run('git', ['-C', work, ...args], { env });
      await git('init', '--quiet', '--initial-branch=main');
      for (const [path, content] of Object.entries(files)) {
        await mkdir(join(work, path, '..'), { recursive: true });
        await writeFile(join(work, path), content);
      }
      await git('add', '--all');
      await git('commit', '--quiet', '-m', 'initial');
      const pushUrl = new URL(cloneUrl);
      pushUrl.username = this.username;
      pushUrl.password = this.#parts.token;
      await git('push', '--quiet', pushUrl.toString(), 'main:main');
    } finally {
      await removeDir(work);
    }
    return { owner: this.username, name, cloneUrl };
  }

  /**
   * The head commit of a branch, or undefined when there is no such branch: read from the bare
   * repository with git (Gitea's branch table is filled by a queue after the push).
   */
  async branchHead(repo: string, branch: string): Promise<string | undefined> {
    try {
      const out = await run(
        'git',
        ['-C', this.repositoryPath(repo), 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`],
        { env: isolatedGitEnv(this.#parts.dir) },
      );
      return out.trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** The bare repository on disk (for `git` in tests); Gitea keeps names lower-cased. */
  repositoryPath(repo: string): string {
    return join(this.#parts.dir, 'repositories', this.username.toLowerCase(), `${repo.toLowerCase()}.git`);
  }

  async pulls(repo: string): Promise<GiteaPull[]> {
    return this.api<GiteaPull[]>('GET', `/repos/${this.username}/${repo}/pulls?state=all&limit=50`);
  }

  async stop(): Promise<void> {
    await this.#parts.daemon.stop();
    await removeDir(this.#parts.dir);
  }
}

if (import.meta.main && process.argv[2] === 'build') {
  const started = Date.now();
  const path = await buildGitea((line) => console.error(line));
  console.log(`gitea=${path} (${Math.round((Date.now() - started) / 1000)} s)`);
}
