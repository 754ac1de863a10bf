/**
 * Checkouts kept between runs in the controller's work directory, one per (remote URL, ref):
 * a run fetches what is new and resets the work tree to the remote's head instead of cloning
 * again. At most `max` are kept; the least recently used idle one beyond that is deleted. A
 * checkout isomorphic-git cannot use any more (a damaged index, missing objects, a half-written
 * clone) is deleted and cloned afresh; a remote that cannot be reached keeps the checkout.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GitError, type Remote } from '@weft/git';
import git from 'isomorphic-git';
import { KeyedLocks } from './locks.ts';

export type CheckoutRef = { branch: string } | { tag: string };

export interface Checkout {
  dir: string;
  /** The commit the work tree holds: the remote's head of the ref (a tag peeled). */
  head: string;
  /** The local branch commits are made on, at `head` when the work is given the checkout. */
  branch: string;
}

export interface CheckoutCacheOptions {
  /**
   * Where the checkouts' directory is made (`checkouts-XXXXXX`, one per cache, so two
   * controllers sharing a temp dir never touch each other's); removed when the process exits.
   */
  parent: string;
  /** How many checkouts are kept; default 32. */
  max?: number;
  /** Told when a checkout is deleted because it could not be brought up to date. */
  onDiscard?: (dir: string, error: unknown) => void;
}

interface Entry {
  dir: string;
  users: number;
  lastUsed: number;
}

export const refName = (ref: CheckoutRef) => ('branch' in ref ? ref.branch : ref.tag);

/** A tag is checked out on a local branch of its own, so commits have a branch to go on. */
const localBranch = (ref: CheckoutRef) => ('branch' in ref ? ref.branch : `weft-tag/${ref.tag}`);

export class CheckoutCache {
  readonly #options: CheckoutCacheOptions;
  readonly #locks = new KeyedLocks();
  readonly #entries = new Map<string, Entry>();
  #dir: Promise<string> | undefined;
  #clock = 0;

  constructor(options: CheckoutCacheOptions) {
    this.#options = options;
  }

  /** How many checkouts exist now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Runs `work` in an up-to-date, clean checkout of `ref`; one run at a time per checkout. */
  async use<R>(remote: Remote, ref: CheckoutRef, work: (checkout: Checkout) => Promise<R>): Promise<R> {
    this.#dir ??= this.#makeDir();
    const root = await this.#dir;
    const key = `${remote.displayUrl}\n${'branch' in ref ? 'refs/heads/' : 'refs/tags/'}${refName(ref)}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      const hash = createHash('sha256').update(key).digest('hex').slice(0, 20);
      entry = { dir: join(root, hash), users: 0, lastUsed: 0 };
      this.#entries.set(key, entry);
    }
    const used = entry;
    used.users++;
    try {
      return await this.#locks.run(key, async () => {
        const head = await this.#sync(remote, ref, used.dir);
        return await work({ dir: used.dir, head, branch: localBranch(ref) });
      });
    } finally {
      used.users--;
      used.lastUsed = ++this.#clock;
      await this.#evict();
    }
  }

  async #makeDir(): Promise<string> {
    await mkdir(this.#options.parent, { recursive: true });
    const dir = await mkdtemp(join(this.#options.parent, 'checkouts-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async #evict(): Promise<void> {
    const max = this.#options.max ?? 32;
    if (this.#entries.size <= max) return;
    const idle = [...this.#entries]
      .filter(([, entry]) => entry.users === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of idle) {
      if (this.#entries.size <= max) return;
      if (entry.users !== 0 || this.#entries.get(key) !== entry) continue;
      this.#entries.delete(key);
      // Under the checkout's lock: a run asking for it again waits for the delete, then clones.
      await this.#locks.run(key, () => rm(entry.dir, { recursive: true, force: true }));
    }
  }

  async #sync(remote: Remote, ref: CheckoutRef, dir: string): Promise<string> {
    if (fs.existsSync(join(dir, '.git'))) {
      try {
        return await this.#fetch(remote, ref, dir);
      } catch (error) {
        if (reachedNoServer(error)) throw wrapped(remote, `fetch ${refName(ref)} of`, error);
        this.#options.onDiscard?.(dir, error);
      }
    }
    await rm(dir, { recursive: true, force: true });
    try {
      await git.clone({
        fs,
        http: remote.http,
        dir,
        url: remote.gitUrl,
        ref: refName(ref),
        singleBranch: true,
        depth: 1,
        noTags: !('tag' in ref),
      });
      const head = await git.resolveRef({ fs, dir, ref: 'HEAD' });
      await git.writeRef({ fs, dir, ref: `refs/heads/${localBranch(ref)}`, value: head, force: true });
      return head;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw wrapped(remote, `clone ${refName(ref)} of`, error);
    }
  }

  /** Fetches the ref's new commits and resets the local branch, index and work tree to its head. */
  async #fetch(remote: Remote, ref: CheckoutRef, dir: string): Promise<string> {
    const fetched = await git.fetch({
      fs,
      http: remote.http,
      dir,
      url: remote.gitUrl,
      ref: refName(ref),
      singleBranch: true,
      tags: false,
    });
    if (!fetched.fetchHead) throw new Error(`the fetch of ${refName(ref)} returned no commit`);
    let head = fetched.fetchHead;
    for (let object = await git.readObject({ fs, dir, oid: head }); object.type === 'tag'; ) {
      head = (object.object as { object: string }).object;
      object = await git.readObject({ fs, dir, oid: head });
    }
    const branch = localBranch(ref);
    await git.writeRef({ fs, dir, ref: `refs/heads/${branch}`, value: head, force: true });
    await git.checkout({ fs, dir, ref: branch, force: true });
    return head;
  }
}

/** Resets the index and work tree of a checkout to its local branch's commit (after a failed update). */
export async function resetCheckout(checkout: Checkout): Promise<void> {
  await git.checkout({ fs, dir: checkout.dir, ref: checkout.branch, force: true });
}

/** Failures of the server or the way to it (a clone would fail the same way): the checkout stays. */
function reachedNoServer(error: unknown): boolean {
  return error instanceof GitError || (error as { code?: string }).code === 'HttpError';
}

/** isomorphic-git's and the transports' errors as GitErrors that say what failed where. */
export function wrapped(remote: Remote, what: string, error: unknown): GitError {
  const translated = remote.translate(error);
  return new GitError(translated.code, `cannot ${what}: ${translated.message}`, { cause: error });
}
