/**
 * The Git remote bootstrap clones from and pushes to. Over HTTP(S), isomorphic-git speaks the
 * protocol itself. Over SSH, isomorphic-git has no transport, so fetch and push run the system
 * `git` with `GIT_SSH_COMMAND` (OpenSSH does the authentication and checks the host key); the
 * commits themselves are made the same way for both, in the checkout (see workspace.ts).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { CliError, ExitCode } from '../exit.ts';

export interface GitRemote {
  readonly url: string;
  /** The commit the branch points at on the remote, or undefined when it has no such branch. */
  branchHead(branch: string): Promise<string | undefined>;
  /** A checkout of the branch in `dir` (an empty directory). */
  clone(dir: string, branch: string): Promise<void>;
  /** Pushes the local branch; fails when the remote moved on since the clone. */
  push(dir: string, branch: string): Promise<void>;
}

export interface HttpCredentials {
  username: string;
  password: string;
}

/** What a refused or failed remote operation says, with what to do. */
function remoteError(url: string, action: string, error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  if (/401|403|authenticat|permission denied|publickey/i.test(message)) {
    return new CliError(
      `${action} ${url}: the server refused the credentials (${message}); check --username/--password or the key`,
    );
  }
  return new CliError(`${action} ${url}: ${message}`);
}

export class HttpRemote implements GitRemote {
  readonly url: string;
  readonly #credentials: HttpCredentials | undefined;

  constructor(url: string, credentials?: HttpCredentials) {
    this.url = url;
    this.#credentials = credentials;
  }

  #auth() {
    const credentials = this.#credentials;
    return credentials
      ? () => ({ username: credentials.username, password: credentials.password })
      : undefined;
  }

  async branchHead(branch: string): Promise<string | undefined> {
    try {
      const refs = await git.listServerRefs({
        http,
        url: this.url,
        prefix: `refs/heads/${branch}`,
        ...(this.#auth() ? { onAuth: this.#auth() } : {}),
      });
      return refs.find((ref) => ref.ref === `refs/heads/${branch}`)?.oid;
    } catch (error) {
      throw remoteError(this.url, 'cannot list the branches of', error);
    }
  }

  async clone(dir: string, branch: string): Promise<void> {
    try {
      await git.clone({
        fs,
        http,
        dir,
        url: this.url,
        ref: branch,
        singleBranch: true,
        ...(this.#auth() ? { onAuth: this.#auth() } : {}),
      });
    } catch (error) {
      throw remoteError(this.url, 'cannot clone', error);
    }
  }

  async push(dir: string, branch: string): Promise<void> {
    let result: Awaited<ReturnType<typeof git.push>>;
    try {
      result = await git.push({
        fs,
        http,
        dir,
        url: this.url,
        ref: branch,
        remoteRef: branch,
        ...(this.#auth() ? { onAuth: this.#auth() } : {}),
      });
    } catch (error) {
      throw remoteError(this.url, 'cannot push to', error);
    }
    if (!result.ok)
      throw new CliError(`push to ${this.url} refused: ${result.error}; run weft bootstrap again`);
  }
}

/** Runs the system git; its stderr becomes the error message. */
export function runGit(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            new Error(
              missing
                ? 'the git command is not installed: SSH remotes need git and OpenSSH'
                : stderr.trim() || error.message,
            ),
          );
        } else resolve(stdout);
      },
    );
  });
}

export class SshRemote implements GitRemote {
  readonly url: string;
  /** `GIT_SSH_COMMAND`, or undefined to use the user's own ssh configuration. */
  readonly #sshCommand: string | undefined;

  constructor(url: string, sshCommand: string | undefined) {
    this.url = url;
    this.#sshCommand = sshCommand;
  }

  get #env(): Record<string, string | undefined> {
    return {
      GIT_TERMINAL_PROMPT: '0',
      ...(this.#sshCommand ? { GIT_SSH_COMMAND: this.#sshCommand } : {}),
    };
  }

  async branchHead(branch: string): Promise<string | undefined> {
    try {
      const out = await runGit(['ls-remote', '--heads', this.url, `refs/heads/${branch}`], {
        env: this.#env,
      });
      return out
        .split('\n')
        .find((line) => line.endsWith(`\trefs/heads/${branch}`))
        ?.split('\t')[0];
    } catch (error) {
      throw remoteError(this.url, 'cannot list the branches of', error);
    }
  }

  async clone(dir: string, branch: string): Promise<void> {
    try {
      await runGit(['clone', '--quiet', '--single-branch', '--branch', branch, this.url, dir], {
        env: this.#env,
      });
    } catch (error) {
      throw remoteError(this.url, 'cannot clone', error);
    }
  }

  async push(dir: string, branch: string): Promise<void> {
    try {
      await runGit(['push', '--quiet', this.url, `refs/heads/${branch}:refs/heads/${branch}`], {
        cwd: dir,
        env: this.#env,
      });
    } catch (error) {
      throw remoteError(this.url, 'cannot push to', error);
    }
  }
}

/** Whether the URL is one bootstrap can use, and which transport. */
export function transportOf(url: string): 'http' | 'ssh' {
  if (/^https?:\/\//.test(url)) return 'http';
  if (url.startsWith('ssh://')) return 'ssh';
  throw new CliError(
    `--url ${url}: want ssh://user@host[:port]/path or https://host/path (scp-like user@host:path is not accepted: write it as ssh://)`,
    ExitCode.Usage,
  );
}
