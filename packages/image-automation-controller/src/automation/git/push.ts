/**
 * One automation run against a Git remote: check out the base, let the caller update the tree,
 * commit (signed when a signer is given) and push. A push refused because the branch moved is
 * done again from a fresh checkout of the new head (the update is re-applied on top of it, which
 * is what rebasing a one-commit change amounts to); nothing is ever force-pushed.
 */
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GitError, type Remote } from '@weft/git';
import git from 'isomorphic-git';
import type { CommitSigner } from './signing.ts';

export interface RefspecPush {
  /** The local ref pushed: always the branch the commit was made on. */
  src: string;
  dst: string;
}

export interface PushPlan<T> {
  remote: Remote;
  /** What to start from when the push branch does not exist yet. */
  checkout: { branch: string } | { tag: string };
  /** The branch the commit goes to; undefined with a refspec alone. */
  pushBranch: string | undefined;
  refspec?: RefspecPush | undefined;
  author: { name: string; email: string };
  signer?: CommitSigner | undefined;
  now: () => Date;
  /** Parent directory of the checkouts (removed after each attempt). */
  workDir: string;
  /** Updates the checked-out tree at `dir`; returns the files changed (relative paths) and what for. */
  update: (dir: string) => Promise<{ files: readonly string[]; result: T }>;
  message: (result: T) => string;
  /** Attempts in all when the branch keeps moving; default 5. */
  attempts?: number;
  onRetry?: (attempt: number, reason: string) => void;
}

export type PushOutcome<T> =
  | { pushed: false; revision: string }
  | {
      pushed: true;
      revision: string;
      commit: string;
      result: T;
      message: string;
      refs: string[];
      attempts: number;
    };

const heads = (branch: string) => `refs/heads/${branch}`;

async function remoteHead(remote: Remote, branch: string): Promise<string | undefined> {
  const refs = await wrap(remote, 'list the branches of', () =>
    git.listServerRefs({
      http: remote.http,
      url: remote.gitUrl,
      prefix: heads(branch),
      protocolVersion: 1,
    }),
  );
  return refs.find((ref) => ref.ref === heads(branch))?.oid;
}

/** Turns isomorphic-git's errors into ones that say what failed where. */
async function wrap<R>(remote: Remote, what: string, run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    const translated = remote.translate(error);
    throw new GitError(translated.code, `cannot ${what}: ${translated.message}`, { cause: error });
  }
}

/**
 * One run at a time per (remote, push branch) in this process: automations of one repository and
 * branch would otherwise reject each other's pushes and redo their work; serialised, only a push
 * from outside the process moves the branch under a run.
 */
export class BranchLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async run<R>(key: string, work: () => Promise<R>): Promise<R> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release = () => {};
    const tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = previous.then(() => tail);
    this.#tails.set(key, chained);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === chained) this.#tails.delete(key);
    }
  }
}

export function lockKey(plan: Pick<PushPlan<unknown>, 'remote' | 'pushBranch' | 'refspec'>): string {
  return `${plan.remote.displayUrl} ${plan.pushBranch ?? ''} ${plan.refspec?.dst ?? ''}`;
}

export async function commitAndPush<T>(plan: PushPlan<T>): Promise<PushOutcome<T>> {
  const attempts = plan.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(plan.workDir, 'checkout-'));
    try {
      const outcome = await attemptOnce(plan, dir, attempt);
      if (outcome !== 'moved') return outcome;
      if (attempt >= attempts) {
        throw new GitError(
          'PushRejected',
          `the branch kept moving: ${attempts} pushes were rejected as not fast-forward; will try again at the next interval`,
        );
      }
      plan.onRetry?.(attempt, 'the branch moved since checkout');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function attemptOnce<T>(
  plan: PushPlan<T>,
  dir: string,
  attempt: number,
): Promise<PushOutcome<T> | 'moved'> {
  const { remote } = plan;
  // An existing push branch is the base, so a later update lands on top of the earlier ones.
  let baseRef: string;
  if (
    plan.pushBranch !== undefined &&
    !('branch' in plan.checkout && plan.checkout.branch === plan.pushBranch)
  ) {
    const existing = await remoteHead(remote, plan.pushBranch);
    baseRef =
      existing !== undefined
        ? plan.pushBranch
        : 'branch' in plan.checkout
          ? plan.checkout.branch
          : plan.checkout.tag;
  } else {
    baseRef = 'branch' in plan.checkout ? plan.checkout.branch : plan.checkout.tag;
  }
  await wrap(remote, `clone ${baseRef} of`, () =>
    git.clone({
      fs,
      http: remote.http,
      dir,
      url: remote.gitUrl,
      ref: baseRef,
      singleBranch: true,
      depth: 1,
      noTags: !('tag' in plan.checkout),
    }),
  );
  const baseOid = await git.resolveRef({ fs, dir, ref: 'HEAD' });
  const revision = `${baseRef}@sha1:${baseOid}`;
  const { files, result } = await plan.update(dir);
  if (files.length === 0) return { pushed: false, revision };
  for (const filepath of files) await git.add({ fs, dir, filepath });
  const message = plan.message(result);
  const when = { timestamp: Math.floor(plan.now().getTime() / 1000), timezoneOffset: 0 };
  const localBranch = plan.pushBranch ?? 'weft-automation';
  const signer = plan.signer;
  const commit = await git.commit({
    fs,
    dir,
    ref: heads(localBranch),
    parent: [baseOid],
    message,
    author: { ...plan.author, ...when },
    committer: { ...plan.author, ...when },
    ...(signer
      ? {
          signingKey: 'secret',
          onSign: async ({ payload }: { payload: string }) => ({ signature: await signer(payload) }),
        }
      : {}),
  });
  const targets: string[] = [];
  if (plan.pushBranch !== undefined) targets.push(heads(plan.pushBranch));
  if (plan.refspec && !targets.includes(plan.refspec.dst)) targets.push(plan.refspec.dst);
  for (const remoteRef of targets) {
    const pushed = await push(remote, dir, heads(localBranch), remoteRef);
    if (pushed === 'moved') return 'moved';
  }
  return { pushed: true, revision, commit, result, message, refs: targets, attempts: attempt };
}

/** Rejections that mean "someone pushed first": fetch the new head and try again. */
const movedPattern =
  /non-fast-forward|fetch first|not-fast-forward|failed to update ref|cannot lock ref|stale info/i;

async function push(remote: Remote, dir: string, ref: string, remoteRef: string): Promise<'ok' | 'moved'> {
  let result: Awaited<ReturnType<typeof git.push>>;
  try {
    result = await git.push({
      fs,
      http: remote.http,
      dir,
      url: remote.gitUrl,
      ref,
      remoteRef,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = (error as { data?: { reason?: string } }).data?.reason;
    if (code === 'PushRejectedError' && reason === 'not-fast-forward') return 'moved';
    // The server refused the ref update (it moved after the refs were read).
    if (code === 'GitPushError' && movedPattern.test((error as Error).message)) return 'moved';
    return wrap(remote, `push ${remoteRef} to`, () => Promise.reject(error));
  }
  const status = result.refs[remoteRef];
  if (result.ok && (status === undefined || status.ok)) return 'ok';
  const why = status?.error ?? result.error ?? 'rejected';
  if (movedPattern.test(why)) return 'moved';
  throw new GitError('PushRejected', `${remote.displayUrl} refused the push to ${remoteRef}: ${why}`);
}
