/**
 * Commits and pushes of automation runs. Runs that push to the same branch of the same
 * GitRepository and arrive while one is under way are taken together: one fetch of the kept
 * checkout, one commit per run (each on top of the previous, each with its own author, message
 * and signature, as Flux makes one commit per ImageUpdateAutomation; only the trees on the paths
 * a run changed are written, trees.ts), one push of them all. A
 * push refused because the branch moved is done again on the new head (the updates are
 * re-applied on top of it, which is what rebasing commits of value edits amounts to); nothing
 * is ever force-pushed.
 */
import * as fs from 'node:fs';
import { GitError, type Remote } from '@weft/git';
import git from 'isomorphic-git';
import {
  type Checkout,
  type CheckoutCache,
  type CheckoutRef,
  refName,
  resetCheckout,
  wrapped,
} from './checkouts.ts';
import { KeyedLocks } from './locks.ts';
import type { CommitSigner } from './signing.ts';
import { TreeWriter } from './trees.ts';

export interface RefspecPush {
  /** The local ref pushed: always the branch the commit was made on. */
  src: string;
  dst: string;
}

/** Where a run's commit goes. */
export interface PushTarget {
  remote: Remote;
  /** What to start from when the push branch does not exist yet. */
  checkout: CheckoutRef;
  /** The branch the commit goes to; undefined with a refspec alone. */
  pushBranch: string | undefined;
  refspec?: RefspecPush | undefined;
}

/** One automation's part: its edit of the tree and its commit. */
export interface AutomationRun<T> {
  author: { name: string; email: string };
  signer?: CommitSigner | undefined;
  now: () => Date;
  /** Updates the checked-out tree at `dir`; returns the files changed (relative paths) and what for. */
  update: (dir: string) => Promise<{ files: readonly string[]; result: T }>;
  message: (result: T) => string;
  onRetry?: (attempt: number, reason: string) => void;
}

/** Where a run's time went, in milliseconds (logged with each push: what a profile needs). */
export interface PushTiming {
  /** From submit to its batch's start: behind other batches of the same branch. */
  queuedMs: number;
  /** Runs in its batch. */
  batchRuns: number;
  /** Fetching (or cloning) and resetting the checkout, all attempts. */
  syncMs: number;
  /** The batch's updates and commits, all attempts. */
  commitMs: number;
  /** The batch's pushes, all attempts. */
  pushMs: number;
}

export type PushOutcome<T> =
  | { pushed: false; revision: string; timing: PushTiming }
  | {
      pushed: true;
      revision: string;
      commit: string;
      result: T;
      message: string;
      refs: string[];
      attempts: number;
      timing: PushTiming;
    };

export interface PushBatcherOptions {
  checkouts: CheckoutCache;
  /** Attempts in all when the branch keeps moving; default 5. */
  attempts?: number;
}

interface Pending {
  target: PushTarget;
  run: AutomationRun<unknown>;
  resolve: (outcome: PushOutcome<unknown>) => void;
  reject: (error: unknown) => void;
  submittedAt: number;
}

/** A batch's clock: the phases' time summed over its attempts. */
interface BatchClock {
  startedAt: number;
  runs: number;
  syncMs: number;
  commitMs: number;
  pushMs: number;
}

const timingOf = (pending: Pending, clock: BatchClock): PushTiming => ({
  queuedMs: Math.round(clock.startedAt - pending.submittedAt),
  batchRuns: clock.runs,
  syncMs: Math.round(clock.syncMs),
  commitMs: Math.round(clock.commitMs),
  pushMs: Math.round(clock.pushMs),
});

const heads = (branch: string) => `refs/heads/${branch}`;

/** The push branch and refspec destination: runs with the same one never push beside each other. */
export function branchKey(target: PushTarget): string {
  return `${target.remote.displayUrl} ${target.pushBranch ?? ''} ${target.refspec?.dst ?? ''}`;
}

export class PushBatcher {
  readonly #options: PushBatcherOptions;
  readonly #branches = new KeyedLocks();
  readonly #queues = new Map<string, Pending[]>();

  constructor(options: PushBatcherOptions) {
    this.#options = options;
  }

  /** Whether a run of `group` submitted now would wait for a batch of its group under way. */
  busy(group: string): boolean {
    return this.#queues.has(group);
  }

  /**
   * Commits and pushes one run. `group` names what runs may share a push: the same GitRepository
   * (so the same credentials), checkout ref, push branch and refspec.
   */
  submit<T>(group: string, target: PushTarget, run: AutomationRun<T>): Promise<PushOutcome<T>> {
    return new Promise((resolve, reject) => {
      const pending = { target, run, resolve, reject, submittedAt: performance.now() } as Pending;
      const queue = this.#queues.get(group);
      if (queue) {
        queue.push(pending);
        return;
      }
      const started = [pending];
      this.#queues.set(group, started);
      void this.#branches.run(branchKey(target), () => this.#drain(group, started));
    });
  }

  async #drain(group: string, queue: Pending[]): Promise<void> {
    for (;;) {
      const batch = queue.splice(0);
      if (batch.length === 0) {
        this.#queues.delete(group);
        return;
      }
      await this.#runBatch(batch);
    }
  }

  /** Settles every run of the batch; never throws. */
  async #runBatch(batch: Pending[]): Promise<void> {
    // Every run of a batch has the same GitRepository; the first one's remote serves them all.
    const target = (batch[0] as Pending).target;
    const attempts = this.#options.attempts ?? 5;
    const clock: BatchClock = {
      startedAt: performance.now(),
      runs: batch.length,
      syncMs: 0,
      commitMs: 0,
      pushMs: 0,
    };
    try {
      for (let attempt = 1; ; attempt++) {
        const synced = performance.now();
        const base = await baseRef(target);
        const done = await this.#options.checkouts.use(target.remote, base, (checkout) => {
          clock.syncMs += performance.now() - synced;
          return commitAll(target, base, checkout, batch, attempt, clock);
        });
        if (done) return;
        if (attempt >= attempts) {
          throw new GitError(
            'PushRejected',
            `the branch kept moving: ${attempts} pushes were rejected as not fast-forward; will try again at the next interval`,
          );
        }
        for (const pending of batch) pending.run.onRetry?.(attempt, 'the branch moved since checkout');
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}

/** An existing push branch is the base, so a later update lands on top of the earlier ones. */
async function baseRef(target: PushTarget): Promise<CheckoutRef> {
  const { checkout, pushBranch, remote } = target;
  if (pushBranch === undefined || ('branch' in checkout && checkout.branch === pushBranch)) return checkout;
  let refs: Awaited<ReturnType<typeof git.listServerRefs>>;
  try {
    refs = await git.listServerRefs({
      http: remote.http,
      url: remote.gitUrl,
      prefix: heads(pushBranch),
      protocolVersion: 1,
    });
  } catch (error) {
    throw wrapped(remote, 'list the branches of', error);
  }
  return refs.some((ref) => ref.ref === heads(pushBranch)) ? { branch: pushBranch } : checkout;
}

interface Committed {
  pending: Pending;
  commit: string;
  result: unknown;
  message: string;
}

/**
 * One commit per run that changes something, then one push. Returns false when the branch
 * moved (nothing settled: the batch is done again on the new head), true once every run of the
 * batch is settled.
 */
async function commitAll(
  target: PushTarget,
  base: CheckoutRef,
  checkout: Checkout,
  batch: readonly Pending[],
  attempt: number,
  clock: BatchClock,
): Promise<boolean> {
  const { dir } = checkout;
  const committing = performance.now();
  const revision = `${refName(base)}@sha1:${checkout.head}`;
  const committed: Committed[] = [];
  const settle: (() => void)[] = [];
  let tip = checkout.head;
  // One cache of parsed objects for the batch: the trees read once serve every commit.
  const cache = {};
  let trees = await TreeWriter.at(dir, tip, cache);
  for (const pending of batch) {
    const { run } = pending;
    try {
      const { files, result } = await run.update(dir);
      if (files.length === 0) {
        settle.push(() => pending.resolve({ pushed: false, revision, timing: timingOf(pending, clock) }));
        continue;
      }
      const message = run.message(result);
      tip = await commit(checkout, tip, run, message, await trees.write(files));
      committed.push({ pending, commit: tip, result, message });
    } catch (error) {
      // This run's edit is undone; the others' commits stand.
      settle.push(() => pending.reject(error));
      await resetCheckout(checkout);
      trees = await TreeWriter.at(dir, tip, cache);
    }
  }
  clock.commitMs += performance.now() - committing;
  if (committed.length > 0) {
    const pushing = performance.now();
    const refs: string[] = [];
    if (target.pushBranch !== undefined) refs.push(heads(target.pushBranch));
    if (target.refspec && !refs.includes(target.refspec.dst)) refs.push(target.refspec.dst);
    try {
      for (const remoteRef of refs) {
        const outcome = await push(target.remote, dir, heads(checkout.branch), remoteRef);
        if (outcome === 'moved') {
          clock.pushMs += performance.now() - pushing;
          return false;
        }
      }
      clock.pushMs += performance.now() - pushing;
      for (const { pending, commit, result, message } of committed) {
        const timing = timingOf(pending, clock);
        pending.resolve({ pushed: true, revision, commit, result, message, refs, attempts: attempt, timing });
      }
    } catch (error) {
      for (const { pending } of committed) pending.reject(error);
    }
  }
  for (const done of settle) done();
  return true;
}

async function commit(
  checkout: Checkout,
  parent: string,
  run: AutomationRun<unknown>,
  message: string,
  tree: string,
) {
  const when = { timestamp: Math.floor(run.now().getTime() / 1000), timezoneOffset: 0 };
  const signer = run.signer;
  return git.commit({
    fs,
    dir: checkout.dir,
    ref: heads(checkout.branch),
    parent: [parent],
    tree,
    message,
    author: { ...run.author, ...when },
    committer: { ...run.author, ...when },
    ...(signer
      ? {
          signingKey: 'secret',
          onSign: async ({ payload }: { payload: string }) => ({ signature: await signer(payload) }),
        }
      : {}),
  });
}

/** Rejections that mean "someone pushed first": fetch the new head and try again. */
const movedPattern =
  /non-fast-forward|fetch first|not-fast-forward|failed to update ref|cannot lock ref|stale info/i;

async function push(remote: Remote, dir: string, ref: string, remoteRef: string): Promise<'ok' | 'moved'> {
  let result: Awaited<ReturnType<typeof git.push>>;
  try {
    result = await git.push({ fs, http: remote.http, dir, url: remote.gitUrl, ref, remoteRef });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = (error as { data?: { reason?: string } }).data?.reason;
    if (code === 'PushRejectedError' && reason === 'not-fast-forward') return 'moved';
    // The server refused the ref update (it moved after the refs were read).
    if (code === 'GitPushError' && movedPattern.test((error as Error).message)) return 'moved';
    throw wrapped(remote, `push ${remoteRef} to`, error);
  }
  const status = result.refs[remoteRef];
  if (result.ok && (status === undefined || status.ok)) return 'ok';
  const why = status?.error ?? result.error ?? 'rejected';
  if (movedPattern.test(why)) return 'moved';
  throw new GitError('PushRejected', `${remote.displayUrl} refused the push to ${remoteRef}: ${why}`);
}
