/**
 * A checkout of the bootstrap branch in a temporary directory: cloned when the branch exists,
 * initialised when the repository or branch is new. Files are written and committed with
 * isomorphic-git (signed with OpenPGP when asked); a commit is made only when a file changed,
 * so a re-run with the same flags commits and pushes nothing.
 */
import * as fs from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import type { GitRemote } from './remote.ts';
import type { CommitSigner } from './signing.ts';

export interface Author {
  name: string;
  email: string;
}

export class Workspace {
  readonly dir: string;
  readonly branch: string;
  readonly remote: GitRemote;

  private constructor(dir: string, branch: string, remote: GitRemote) {
    this.dir = dir;
    this.branch = branch;
    this.remote = remote;
  }

  static async open(remote: GitRemote, branch: string): Promise<{ workspace: Workspace; cloned: boolean }> {
    const dir = await mkdtemp(join(tmpdir(), 'weft-bootstrap-'));
    try {
      const workspace = new Workspace(dir, branch, remote);
      const head = await remote.branchHead(branch);
      if (head) await remote.clone(dir, branch);
      else await git.init({ fs, dir, defaultBranch: branch });
      return { workspace, cloned: head !== undefined };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  async read(path: string): Promise<string | undefined> {
    return readFile(join(this.dir, path), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  }

  /** Writes the files whose content differs; returns the paths written. */
  async write(files: ReadonlyMap<string, string>): Promise<string[]> {
    const changed: string[] = [];
    for (const [path, text] of files) {
      if ((await this.read(path)) === text) continue;
      await mkdir(dirname(join(this.dir, path)), { recursive: true });
      await writeFile(join(this.dir, path), text);
      changed.push(path);
    }
    return changed;
  }

  /**
   * Commits the paths that differ from the last commit (written by `write`); returns the new
   * commit's id, or undefined when nothing differed.
   */
  async commit(
    paths: readonly string[],
    message: string,
    author: Author,
    signer?: CommitSigner,
  ): Promise<string | undefined> {
    const matrix = await git.statusMatrix({ fs, dir: this.dir, filepaths: [...paths] });
    // [path, head, workdir, stage]: 1,1,1 is unchanged since the last commit.
    const changed = matrix.filter(([, head, workdir]) => !(head === 1 && workdir === 1));
    if (changed.length === 0) return undefined;
    for (const [path] of changed) await git.add({ fs, dir: this.dir, filepath: path });
    return git.commit({
      fs,
      dir: this.dir,
      message,
      author,
      ...(signer ? { onSign: signer.sign, signingKey: signer.keyId } : {}),
    });
  }

  async head(): Promise<string> {
    return git.resolveRef({ fs, dir: this.dir, ref: 'HEAD' });
  }

  async push(): Promise<void> {
    await this.remote.push(this.dir, this.branch);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
