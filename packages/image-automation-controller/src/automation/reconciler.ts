/**
 * ImageUpdateAutomation, in Flux's steps: resolve the source (the GitRepository's URL,
 * credentials and ref, and where to push), select the ImagePolicies (from the manager's cache),
 * then update the tree with the Setters strategy, commit with the message template (signed when
 * a key is given) and push, retrying on top of the new head when the branch moved. With
 * `git.push.policyBranches` each policy's update goes to its own branch.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ImageApiVersion,
  type ImagePolicy,
  type ImageUpdateAutomation,
  ImageUpdateAutomationKind,
} from '@weft/api';
import { type Client, type KubeObject, matchesLabelSelector } from '@weft/runtime/client';
import {
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import { imageUpdateAutomationFields } from './fields.ts';
import { updateTree } from './files.ts';
import { CheckoutCache } from './git/checkouts.ts';
import { type AutomationRun, branchKey, PushBatcher, type PushOutcome } from './git/push.ts';
import { type CommitSigner, openPgpSigner } from './git/signing.ts';
import {
  PullRequestReason,
  type PullRequestTarget,
  pullRequestTarget,
  syncPullRequest,
} from './pull-requests.ts';
import { AutomationReason, toReconcileError } from './reasons.ts';
import type { ImageRef, SetterChange } from './setters.ts';
import { readSecret, resolveSource, type Source } from './source.ts';
import { renderMessage, templateData } from './template.ts';

export type AutomationObject = ImageUpdateAutomation & KubeObject;
export type PolicyObject = ImagePolicy & KubeObject;
type Status = NonNullable<ImageUpdateAutomation['status']>;

export interface AutomationReconcilerOptions {
  client: Pick<Client, 'get'>;
  /** The ImagePolicies of a namespace, from the manager's cache. */
  listPolicies: (namespace: string) => readonly PolicyObject[];
  /** Where checkouts are kept (in `weft-image-automation/checkouts-*`); default the system temporary directory. */
  workDir?: string;
  /** How many checkouts are kept between runs; default 32. */
  maxCheckouts?: number;
  /** `--no-cross-namespace-refs`: a spec.sourceRef in another namespace is refused. */
  noCrossNamespaceRefs?: boolean;
  /** Attempts of a push the branch keeps moving under; default 5. */
  pushAttempts?: number;
}

interface UpdateResult {
  changes: Map<string, SetterChange[]>;
}

const defaultAuthor = 'weft image-automation';

export class ImageUpdateAutomationReconciler implements Reconciler<AutomationObject> {
  readonly apiVersion = ImageApiVersion;
  readonly kind = ImageUpdateAutomationKind;
  readonly fields = imageUpdateAutomationFields;
  readonly #options: AutomationReconcilerOptions;
  readonly #pushes: PushBatcher;

  constructor(options: AutomationReconcilerOptions) {
    this.#options = options;
    const checkouts = new CheckoutCache({
      parent: join(options.workDir ?? tmpdir(), 'weft-image-automation'),
      ...(options.maxCheckouts === undefined ? {} : { max: options.maxCheckouts }),
    });
    this.#pushes = new PushBatcher({
      checkouts,
      ...(options.pushAttempts === undefined ? {} : { attempts: options.pushAttempts }),
    });
  }

  async reconcile(obj: AutomationObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status: Status = obj.status;
    const policies = this.selectPolicies(obj);
    status.observedPolicies = Object.fromEntries([...policies].map(([name, ref]) => [name, { ...ref }]));
    const source = await resolveSource(this.#options, obj, ctx);
    try {
      const signer = await this.reconcileSigner(obj);
      const runs = obj.spec.git?.push?.policyBranches
        ? [...policies.keys()].sort().map((policy) => ({
            policies: new Map([[policy, policies.get(policy) as ImageRef]]),
            pushBranch: `${obj.spec.git?.push?.policyBranches?.prefix.replace(/\/+$/, '')}/${policy}`,
          }))
        : [{ policies, pushBranch: source.pushBranch }];
      // Read before anything is pushed: a bad token secret fails the run with nothing half-done.
      const pullRequestSpec = obj.spec.git?.push?.policyBranches?.pullRequest;
      const pullRequests = pullRequestSpec
        ? await pullRequestTarget(
            this.#options.client,
            { namespace: obj.metadata.namespace ?? '', spec: pullRequestSpec },
            source,
            'branch' in source.checkout ? source.checkout.branch : undefined,
          )
        : undefined;
      const pushed: Extract<PushOutcome<UpdateResult>, { pushed: true }>[] = [];
      const requests: string[] = [];
      let pullRequestError: unknown;
      let revision = '';
      for (const run of runs) {
        const outcome = await this.reconcileUpdate(
          obj,
          ctx,
          { ...source, pushBranch: run.pushBranch },
          run.policies,
          signer,
        );
        revision ||= outcome.revision;
        if (outcome.pushed) pushed.push(outcome);
        const [policy, image] = [...run.policies][0] ?? [];
        if (!pullRequests || !run.pushBranch || policy === undefined || image === undefined) continue;
        // The branch head: what was just pushed, or the existing branch the run found up to date.
        const headCommit = outcome.pushed
          ? outcome.commit
          : outcome.revision.startsWith(`${run.pushBranch}@sha1:`)
            ? outcome.revision.slice(`${run.pushBranch}@sha1:`.length)
            : undefined;
        if (headCommit === undefined) continue;
        try {
          const synced = await this.reconcilePullRequest(obj, ctx, pullRequests, {
            policy,
            image,
            branch: run.pushBranch,
            headCommit,
          });
          if (synced) requests.push(synced);
        } catch (error) {
          // The other policies' branches and requests still get their turn.
          pullRequestError ??= error;
        }
      }
      status.lastAutomationRunTime = ctx.now().toISOString();
      if (revision) status.observedSourceRevision = revision;
      const last = pushed.at(-1);
      if (last) {
        status.lastPushCommit = last.commit;
        status.lastPushTime = ctx.now().toISOString();
      }
      if (pullRequestError !== undefined) throw pullRequestError;
      const requestsNote = requests.length > 0 ? `; pull requests ${requests.join(', ')}` : '';
      if (!last) {
        return {
          ready: { reason: AutomationReason.Succeeded, message: `repository up-to-date${requestsNote}` },
        };
      }
      const where = pushed.map((outcome) => `'${outcome.commit.slice(0, 12)}' to ${outcome.refs.join(', ')}`);
      return {
        ready: {
          reason: AutomationReason.Succeeded,
          message: `pushed commit ${where.join('; ')}${requestsNote}`,
        },
      };
    } finally {
      source.remote.close();
    }
  }

  /** The pull request of one policy branch; its URL, or undefined when a person settled it. */
  async reconcilePullRequest(
    obj: AutomationObject,
    ctx: ReconcileContext,
    target: PullRequestTarget,
    run: { policy: string; image: ImageRef; branch: string; headCommit: string },
  ): Promise<string | undefined> {
    const automation = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    const outcome = await syncPullRequest(target, { automation, ...run }, ctx.signal);
    if (outcome.action === 'closed-by-user') {
      ctx.log.info(
        { branch: run.branch, url: outcome.request.url },
        'the pull request of this branch head was merged or closed; not reopening it',
      );
      return undefined;
    }
    if (outcome.action !== 'unchanged') {
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: outcome.action === 'opened' ? PullRequestReason.Opened : PullRequestReason.Updated,
        note: `${outcome.action === 'opened' ? 'Opened' : 'Updated'} pull request #${outcome.request.number} for ${run.branch}: ${outcome.request.url}`,
        revision: `${run.branch}@sha1:${run.headCommit}`,
      });
    }
    return outcome.request.url;
  }

  /** The images of the policies the selector picks (those that have picked one yet), by name. */
  selectPolicies(obj: AutomationObject): Map<string, ImageRef> {
    const selected = new Map<string, ImageRef>();
    for (const policy of this.#options.listPolicies(obj.metadata.namespace ?? '')) {
      if (!matchesLabelSelector(obj.spec.policySelector, policy.metadata.labels)) continue;
      const latest = policy.status?.latestRef;
      if (!latest?.name || !latest.tag) continue;
      selected.set(policy.metadata.name ?? '', {
        name: latest.name,
        tag: latest.tag,
        ...(latest.digest ? { digest: latest.digest } : {}),
      });
    }
    return selected;
  }

  async reconcileSigner(obj: AutomationObject): Promise<CommitSigner | undefined> {
    const name = obj.spec.git?.commit?.signingKey?.secretRef?.name;
    if (!name) return undefined;
    const namespace = obj.metadata.namespace ?? '';
    const secret = await readSecret(
      this.#options.client,
      namespace,
      name,
      'spec.git.commit.signingKey.secretRef',
    );
    try {
      return await openPgpSigner(`${namespace}/${name}`, secret?.data ?? {});
    } catch (error) {
      throw toReconcileError(error);
    }
  }

  async reconcileUpdate(
    obj: AutomationObject,
    ctx: ReconcileContext,
    source: Source,
    policies: ReadonlyMap<string, ImageRef>,
    signer: CommitSigner | undefined,
  ): Promise<PushOutcome<UpdateResult>> {
    const namespace = obj.metadata.namespace ?? '';
    const commit = obj.spec.git?.commit;
    if (!commit) {
      throw new StalledError(
        AutomationReason.InvalidSourceConfig,
        'spec.git.commit (the author at least) is required',
      );
    }
    const lookup = (setter: { namespace: string; policy: string }) =>
      setter.namespace === namespace ? policies.get(setter.policy) : undefined;
    let outcome: PushOutcome<UpdateResult>;
    try {
      const group = `${source.repository} ${JSON.stringify(source.checkout)} ${branchKey(source)}`;
      const run: AutomationRun<UpdateResult> = {
        author: { name: commit.author.name || defaultAuthor, email: commit.author.email },
        signer,
        now: () => ctx.now(),
        update: async (dir) => {
          const changes = await updateTree(dir, obj.spec.update?.path, lookup);
          return { files: [...changes.keys()], result: { changes } };
        },
        message: ({ changes }) =>
          renderMessage(
            commit.messageTemplate,
            templateData(
              { namespace, name: obj.metadata.name ?? '' },
              changes,
              commit.messageTemplateValues ?? {},
            ),
          ),
        onRetry: (attempt, reason) =>
          ctx.log.info({ attempt, reason }, 'push rejected, retrying on the new head'),
      };
      const submit = () => this.#pushes.submit(group, source, run);
      // Behind a batch of its branch already under way, a run only waits (its commit goes with
      // the next batch): its --concurrent slot is lent meanwhile, so other automations of the
      // branch start, reach here too and share that next fetch and push instead of queueing
      // for a slot, then for a batch of their own (issue 16's bench: 4 runs at most per push).
      outcome = this.#pushes.busy(group) && ctx.waiting ? await ctx.waiting(submit) : await submit();
    } catch (error) {
      throw toReconcileError(error);
    }
    // Where the run's time went (queued behind other batches of the branch, fetch, commit, push).
    if (outcome.pushed) ctx.log.info({ commit: outcome.commit, ...outcome.timing }, 'pushed');
    else ctx.log.debug({ ...outcome.timing }, 'nothing to push');
    if (outcome.pushed) {
      const changes = [...outcome.result.changes.values()].flat();
      const summary = changes.map((change) => `${change.oldValue} -> ${change.newValue}`).join(', ');
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: AutomationReason.Pushed,
        note: `Committed and pushed change ${outcome.commit} to ${outcome.refs.join(', ')}\n${outcome.message}`,
        revision: `${outcome.refs[0]?.replace(/^refs\/heads\//, '') ?? ''}@sha1:${outcome.commit}`,
        summary,
      });
    }
    return outcome;
  }
}
