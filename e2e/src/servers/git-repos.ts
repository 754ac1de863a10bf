/**
 * Bare Git repositories made and changed with the real `git` CLI, for the Git servers to serve.
 * Every command runs with a fixed identity and without the host's system or global config, so
 * the same calls give the same trees on any machine.
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { type GitSigner, signingArgs } from './git-signing.ts';
import { run } from './process.ts';

export const gitIdentity = { name: 'Weft Test', email: 'weft-test@example.invalid' } as const;

/** File contents by path (`a/b.yaml`), as text (UTF-8) or bytes. */
export type GitFiles = Record<string, string | Uint8Array>;

export interface CreateRepoOptions {
  /** The default branch, which receives the first commit. Default `main`. */
  branch?: string;
  message?: string;
}

export interface CommitOptions {
  /** Paths to delete in this commit. */
  remove?: readonly string[];
  /** Branch to commit on; default the repository's default branch. Created when missing. */
  branch?: string;
  /** Start from an empty tree instead of the parent's, so the commit holds only `files`. */
  replaceAll?: boolean;
  /** Sign the commit (OpenPGP or SSH, as `git commit -S` does). */
  sign?: GitSigner;
}

export interface TagOptions {
  /** An annotated tag (a tag object) rather than a lightweight one. */
  annotated?: boolean;
  message?: string;
  /** What to tag; default the default branch's head. */
  target?: string;
  /** Sign the tag (`git tag -s`); makes it annotated. */
  sign?: GitSigner;
}

/**
 * Environment for `git` commands that ignores the host's configuration: no system config, a
 * private HOME (so no global config and no credential helpers) and the fixed identity.
 */
export function isolatedGitEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: gitIdentity.name,
    GIT_AUTHOR_EMAIL: gitIdentity.email,
    GIT_COMMITTER_NAME: gitIdentity.name,
    GIT_COMMITTER_EMAIL: gitIdentity.email,
    LC_ALL: 'C',
    ...extra,
  };
}

function quotePath(path: string): string {
  // fast-import's C-style quoting: safe for any path, including spaces and quotes.
  return `"${path.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

function dataBlock(content: string | Uint8Array): Buffer[] {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  return [Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n')];
}

/** Bare repositories under one root directory, named like `podinfo` or `team/app`. */
export class GitRepoStore {
  /** The directory holding the bare repositories. */
  readonly root: string;
  /** HOME for every git command this store runs. */
  readonly home: string;

  constructor(root: string, home: string) {
    this.root = root;
    this.home = home;
  }

  /** The repository's directory name relative to the root: the name, ending in `.git`. */
  relativePath(repo: string): string {
    const withSuffix = repo.endsWith('.git') ? repo : `${repo}.git`;
    const normalized = normalize(withSuffix);
    if (isAbsolute(normalized) || normalized.split(sep).includes('..') || normalized !== withSuffix) {
      throw new Error(`invalid repository name ${JSON.stringify(repo)}: use a relative name like "team/app"`);
    }
    return normalized;
  }

  /** Absolute path of the bare repository. */
  path(repo: string): string {
    return join(this.root, this.relativePath(repo));
  }

  /** Runs `git` inside the bare repository with the isolated environment; returns stdout. */
  git(
    repo: string,
    args: readonly string[],
    input?: string | Uint8Array,
    env: NodeJS.ProcessEnv = {},
  ): Promise<string> {
    return run('git', args, {
      cwd: this.path(repo),
      env: isolatedGitEnv(this.home, env),
      ...(input === undefined ? {} : { input }),
    });
  }

  /** Creates a bare repository whose default branch holds one commit of `files`; returns its sha. */
  async createRepo(repo: string, files: GitFiles, options: CreateRepoOptions = {}): Promise<string> {
    const branch = options.branch ?? 'main';
    const path = this.path(repo);
    await mkdir(path, { recursive: true });
    await run('git', ['init', '--quiet', '--bare', `--initial-branch=${branch}`, path], {
      env: isolatedGitEnv(this.home),
    });
    return this.commit(repo, files, options.message ?? 'initial commit', { branch });
  }

  /** Commits `files` (added or changed) and `remove` (deleted) on a branch; returns the commit sha. */
  async commit(repo: string, files: GitFiles, message: string, options: CommitOptions = {}): Promise<string> {
    const branch = options.branch ?? (await this.defaultBranch(repo));
    const ref = `refs/heads/${branch}`;
    const parent = await this.resolve(repo, ref);
    const seconds = Math.floor(Date.now() / 1000);
    const chunks: Buffer[] = [
      Buffer.from(`commit ${ref}\n`),
      Buffer.from(`committer ${gitIdentity.name} <${gitIdentity.email}> ${seconds} +0000\n`),
      ...dataBlock(message),
    ];
    if (parent) chunks.push(Buffer.from(`from ${parent}\n`));
    if (options.replaceAll) chunks.push(Buffer.from('deleteall\n'));
    for (const path of options.remove ?? []) chunks.push(Buffer.from(`D ${quotePath(path)}\n`));
    for (const [path, content] of Object.entries(files)) {
      chunks.push(Buffer.from(`M 100644 inline ${quotePath(path)}\n`), ...dataBlock(content));
    }
    chunks.push(Buffer.from('done\n'));
    await this.git(repo, ['fast-import', '--quiet', '--done'], Buffer.concat(chunks));
    if (options.sign) await this.#signHead(repo, ref, message, parent, options.sign);
    return this.revParse(repo, ref);
  }

  /** Replaces the commit at `ref` by the same commit signed (fast-import cannot sign). */
  async #signHead(repo: string, ref: string, message: string, parent: string | undefined, signer: GitSigner) {
    const { args, env } = signingArgs(signer);
    const tree = (await this.git(repo, ['rev-parse', `${ref}^{tree}`])).trim();
    const parents = parent === undefined ? [] : ['-p', parent];
    const signed = (
      await this.git(repo, [...args, 'commit-tree', '-S', ...parents, '-m', message, tree], undefined, env)
    ).trim();
    await this.git(repo, ['update-ref', ref, signed]);
  }

  /** Creates a tag; returns the sha of the commit it points at. */
  async tag(repo: string, name: string, options: TagOptions = {}): Promise<string> {
    const target = options.target ?? (await this.defaultBranch(repo));
    if (options.sign) {
      const { args, env } = signingArgs(options.sign);
      await this.git(
        repo,
        [...args, 'tag', '--sign', '--message', options.message ?? name, name, target],
        undefined,
        env,
      );
      return this.revParse(repo, `refs/tags/${name}^{commit}`);
    }
    const args = options.annotated
      ? ['tag', '--annotate', '--message', options.message ?? name, name, target]
      : ['tag', name, target];
    await this.git(repo, args);
    return this.revParse(repo, `refs/tags/${name}^{commit}`);
  }

  /** Creates a branch at `from` (default: the default branch's head); returns its commit sha. */
  async branch(repo: string, name: string, options: { from?: string } = {}): Promise<string> {
    const from = options.from ?? (await this.defaultBranch(repo));
    await this.git(repo, ['branch', name, from]);
    return this.revParse(repo, `refs/heads/${name}`);
  }

  /** The full sha a revision resolves to; throws when it does not exist. */
  async revParse(repo: string, revision: string): Promise<string> {
    return (await this.git(repo, ['rev-parse', '--verify', '--quiet', `${revision}^{}`])).trim();
  }

  /** The default branch's name (what HEAD points at), e.g. `main`. */
  async defaultBranch(repo: string): Promise<string> {
    return (await this.git(repo, ['symbolic-ref', '--short', 'HEAD'])).trim();
  }

  /** The content of a file at a revision, e.g. to check what an automation pushed. */
  async readFile(repo: string, revision: string, path: string): Promise<string> {
    return this.git(repo, ['show', `${revision}:${path}`]);
  }

  async resolve(repo: string, revision: string): Promise<string | undefined> {
    try {
      return await this.revParse(repo, revision);
    } catch {
      return undefined;
    }
  }
}

/**
 * What both git servers offer on top of their protocol: the repositories they serve, created,
 * committed, tagged and branched with the real git CLI.
 */
export class GitRepoHost {
  readonly repos: GitRepoStore;

  constructor(repos: GitRepoStore) {
    this.repos = repos;
  }

  createRepo(repo: string, files: GitFiles, options?: CreateRepoOptions): Promise<string> {
    return this.repos.createRepo(repo, files, options);
  }

  commit(repo: string, files: GitFiles, message: string, options?: CommitOptions): Promise<string> {
    return this.repos.commit(repo, files, message, options);
  }

  tag(repo: string, name: string, options?: TagOptions): Promise<string> {
    return this.repos.tag(repo, name, options);
  }

  branch(repo: string, name: string, options?: { from?: string }): Promise<string> {
    return this.repos.branch(repo, name, options);
  }

  revParse(repo: string, revision: string): Promise<string> {
    return this.repos.revParse(repo, revision);
  }
}
