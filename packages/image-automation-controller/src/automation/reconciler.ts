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
  type GitRepository,
  GitRepositoryKind,
  ImageApiVersion,
  type ImagePolicy,
  type ImageUpdateAutomation,
  ImageUpdateAutomationKind,
  SourceApiVersion,
  UnsupportedFieldReason,
  unsupportedFieldsMessage,
} from '@weft/api';
import { authFromSecret, GitError, Remote } from '@weft/git';
import {
  type Client,
  decodeSecretData,
  isNotFound,
  type KubeObject,
  matchesLabelSelector,
} from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import {
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import { imageUpdateAutomationFields } from './fields.ts';
import { UpdatePathError, updateTree } from './files.ts';
import { CheckoutCache } from './git/checkouts.ts';
import { branchKey, PushBatcher, type PushOutcome, type PushTarget, type RefspecPush } from './git/push.ts';
import { type CommitSigner, openPgpSigner } from './git/signing.ts';
import {
  PullRequestReason,
  type PullRequestTarget,
  pullRequestTarget,
  syncPullRequest,
} from './pull-requests.ts';
import { type ImageRef, type SetterChange, SetterFileError } from './setters.ts';
import { MessageTemplateError, renderMessage, templateData } from './template.ts';

export type AutomationObject = ImageUpdateAutomation & KubeObject;
export type PolicyObject = ImagePolicy & KubeObject;
type Status = NonNullable<ImageUpdateAutomation['status']>;

/** Ready reasons, as Flux's image-automation-controller. */
export const AutomationReason = {
  Succeeded: 'ReconciliationSucceeded',
  InvalidSourceConfig: 'InvalidSourceConfig',
  SourceNotFound: 'GitRepositoryNotFound',
  InvalidSecret: 'InvalidSecret',
  InvalidMessageTemplate: 'InvalidMessageTemplate',
  UpdateFailed: 'UpdateFailed',
  GitOperationFailed: 'GitOperationFailed',
  AuthenticationFailed: 'AuthenticationFailed',
  PushRejected: 'PushRejected',
  /** A cross-namespace spec.sourceRef with `--no-cross-namespace-refs`. */
  AccessDenied: 'AccessDenied',
  /** The reason of the Normal event of each push. */
  Pushed: 'GitPushSucceeded',
} as const;

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

interface Source extends PushTarget {
  /** `<namespace>/<name>` of the GitRepository: runs share a push only with the same one (its credentials). */
  repository: string;
  refspec: RefspecPush | undefined;
  /** The GitRepository's URL (the forge of its pull requests is found from it). */
  url: string;
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
    const source = await this.reconcileSource(obj, ctx);
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
            source.url,
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

  /** The GitRepository: its URL, credentials and ref, and where commits are pushed. */
  async reconcileSource(obj: AutomationObject, ctx: ReconcileContext): Promise<Source> {
    const ref = obj.spec.sourceRef;
    const namespace = ref.namespace ?? obj.metadata.namespace ?? '';
    if (
      ref.kind !== GitRepositoryKind ||
      (ref.apiVersion !== undefined && ref.apiVersion !== SourceApiVersion)
    ) {
      throw new StalledError(
        AutomationReason.InvalidSourceConfig,
        `spec.sourceRef must be a ${SourceApiVersion} GitRepository, not ${ref.apiVersion ?? ''} ${ref.kind}`,
      );
    }
    if (this.#options.noCrossNamespaceRefs && namespace !== (obj.metadata.namespace ?? '')) {
      throw new StalledError(
        AutomationReason.AccessDenied,
        `cannot access GitRepository/${namespace}/${ref.name} (spec.sourceRef): cross-namespace references have been blocked (--no-cross-namespace-refs); use a GitRepository in namespace ${obj.metadata.namespace ?? ''}`,
      );
    }
    let repository: GitRepository & KubeObject;
    try {
      repository = await this.#options.client.get<GitRepository & KubeObject>({
        apiVersion: SourceApiVersion,
        kind: GitRepositoryKind,
        namespace,
        name: ref.name,
      });
    } catch (error) {
      if (isNotFound(error)) {
        throw new ReconcileError(
          AutomationReason.SourceNotFound,
          `GitRepository ${namespace}/${ref.name} (spec.sourceRef) not found`,
        );
      }
      throw error;
    }
    const checkoutRef = obj.spec.git?.checkout?.ref ?? repository.spec.ref;
    const checkout = checkoutRef?.tag
      ? { tag: checkoutRef.tag }
      : checkoutRef?.branch
        ? { branch: checkoutRef.branch }
        : undefined;
    if (!checkout) {
      const from = obj.spec.git?.checkout?.ref
        ? 'spec.git.checkout.ref'
        : `GitRepository ${namespace}/${ref.name} spec.ref`;
      throw new StalledError(
        AutomationReason.InvalidSourceConfig,
        `${from} names no branch or tag to check out; set spec.git.checkout.ref.branch`,
      );
    }
    const push = obj.spec.git?.push;
    // The runtime's field check sees an option with an empty value (`ci.skip: ""`) as unset, but
    // its key is the data: refuse any key, rather than push without it.
    if (Object.keys(push?.options ?? {}).length > 0) {
      throw new StalledError(UnsupportedFieldReason, unsupportedFieldsMessage(['spec.git.push.options']));
    }
    const refspec = push?.refspec
      ? parseRefspec(push.refspec, push.branch ?? ('branch' in checkout ? checkout.branch : undefined))
      : undefined;
    const pushBranch =
      push?.branch ?? (refspec ? undefined : 'branch' in checkout ? checkout.branch : undefined);
    if (pushBranch === undefined && refspec === undefined && !push?.policyBranches) {
      throw new StalledError(
        AutomationReason.InvalidSourceConfig,
        'the checkout ref is a tag: set spec.git.push.branch to say where commits go',
      );
    }
    const secret = await this.#secret(
      namespace,
      repository.spec.secretRef?.name,
      'GitRepository spec.secretRef',
    );
    try {
      const url = repository.spec.url;
      const auth = secret ? authFromSecret(url, secret.name, secret.data) : undefined;
      const remote = new Remote({ url, ...(auth ? { auth } : {}), signal: ctx.signal });
      return { repository: `${namespace}/${ref.name}`, remote, checkout, pushBranch, refspec, url };
    } catch (error) {
      throw toReconcileError(error);
    }
  }

  async reconcileSigner(obj: AutomationObject): Promise<CommitSigner | undefined> {
    const name = obj.spec.git?.commit?.signingKey?.secretRef?.name;
    if (!name) return undefined;
    const namespace = obj.metadata.namespace ?? '';
    const secret = await this.#secret(namespace, name, 'spec.git.commit.signingKey.secretRef');
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
      outcome = await this.#pushes.submit<UpdateResult>(group, source, {
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
      });
    } catch (error) {
      throw toReconcileError(error);
    }
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

  async #secret(
    namespace: string,
    name: string | undefined,
    field: string,
  ): Promise<{ name: string; data: Record<string, string> } | undefined> {
    if (!name) return undefined;
    try {
      const secret = await this.#options.client.get<KubeObject & { data?: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace,
        name,
      });
      return { name: `${namespace}/${name}`, data: decodeSecretData(secret) };
    } catch (error) {
      // Never echo a response body: it might carry secret data.
      const why = isNotFound(error) ? 'not found' : (errorMessage(error).split('\n')[0] ?? '').slice(0, 200);
      throw new ReconcileError(
        AutomationReason.InvalidSecret,
        `cannot read secret ${namespace}/${name} (${field}): ${why}`,
      );
    }
  }
}

/** `[+]<src>:<dst>`; the source must be the branch the commit is made on, never forced. */
export function parseRefspec(refspec: string, commitBranch: string | undefined): RefspecPush {
  const invalid = (why: string) =>
    new StalledError(AutomationReason.InvalidSourceConfig, `spec.git.push.refspec ${refspec}: ${why}`);
  if (refspec.startsWith('+')) throw invalid('forced pushes (+) are refused');
  const parts = refspec.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw invalid('want <src>:<dst>, e.g. refs/heads/main:refs/heads/auto');
  const [src, dst] = parts as [string, string];
  const srcBranch = src.replace(/^refs\/heads\//, '');
  if (src !== 'HEAD' && srcBranch !== commitBranch) {
    throw invalid(`the source must be HEAD or the branch the commit is made on (${commitBranch ?? 'none'})`);
  }
  return {
    src: `refs/heads/${commitBranch ?? 'weft-automation'}`,
    dst: dst.startsWith('refs/') ? dst : `refs/heads/${dst}`,
  };
}

function toReconcileError(error: unknown): ReconcileError {
  if (error instanceof ReconcileError) return error;
  // The template is the spec's: retrying cannot fix it, a new spec can.
  if (error instanceof MessageTemplateError)
    return new StalledError(AutomationReason.InvalidMessageTemplate, error.message);
  if (error instanceof UpdatePathError) return new StalledError(AutomationReason.UpdateFailed, error.message);
  if (error instanceof SetterFileError)
    return new ReconcileError(AutomationReason.UpdateFailed, error.message);
  if (error instanceof GitError) {
    switch (error.code) {
      case 'AuthenticationFailed':
        return new ReconcileError(AutomationReason.AuthenticationFailed, error.message);
      case 'InvalidSecret':
      case 'HostKeyUnknown':
        return new ReconcileError(AutomationReason.InvalidSecret, error.message);
      case 'PushRejected':
        return new ReconcileError(AutomationReason.PushRejected, error.message);
      default:
        return new ReconcileError(AutomationReason.GitOperationFailed, error.message);
    }
  }
  return new ReconcileError(AutomationReason.GitOperationFailed, errorMessage(error));
}
