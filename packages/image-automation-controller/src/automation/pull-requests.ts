/**
 * spec.git.push.policyBranches.pullRequest: after each run of a policy branch, the branch's
 * pull (merge) request through the forge API (forge/). The title and description say what the
 * branch does from the policy's image alone, so a run with nothing new to push finds the request
 * as it left it and changes nothing.
 */
import type { ImageUpdateAutomation } from '@weft/api';
import { type Client, decodeSecretData, isNotFound, type KubeObject } from '@weft/runtime/client';
import { ReconcileError, StalledError } from '@weft/runtime/reconcile';
import {
  ensurePullRequest,
  ForgeError,
  type ForgeTls,
  forgeAddress,
  forgeApi,
  type PullRequestOutcome,
  repositoryPath,
} from './forge/index.ts';
import type { ImageRef } from './setters.ts';

type PullRequestSpec = NonNullable<
  NonNullable<
    NonNullable<NonNullable<ImageUpdateAutomation['spec']['git']>['push']>['policyBranches']
  >['pullRequest']
>;

export const PullRequestReason = {
  Failed: 'PullRequestFailed',
  Opened: 'PullRequestOpened',
  Updated: 'PullRequestUpdated',
} as const;

/** The forge, token and base branch of an automation's requests, read once per run. */
export interface PullRequestTarget {
  spec: PullRequestSpec;
  address: string;
  repository: string;
  token: string;
  base: string;
  /** The GitRepository's Git transport TLS settings: the forge calls trust what git trusts. */
  tls: ForgeTls;
}

export async function pullRequestTarget(
  client: Pick<Client, 'get'>,
  automation: { namespace: string; spec: PullRequestSpec },
  source: { url: string; tls: ForgeTls },
  checkoutBranch: string | undefined,
): Promise<PullRequestTarget> {
  const repositoryUrl = source.url;
  const { spec, namespace } = automation;
  const base = spec.base ?? checkoutBranch;
  if (!base) {
    throw new StalledError(
      'InvalidSourceConfig',
      'the checkout ref is a tag: set spec.git.push.policyBranches.pullRequest.base to the branch requests merge into',
    );
  }
  let address: string;
  let repository: string;
  try {
    address = forgeAddress(repositoryUrl, spec.address);
    repository = repositoryPath(repositoryUrl);
  } catch (error) {
    if (error instanceof ForgeError) throw new StalledError('InvalidSourceConfig', error.message);
    throw error;
  }
  const name = spec.secretRef.name;
  let data: Record<string, string>;
  try {
    data = decodeSecretData(
      await client.get<KubeObject & { data?: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace,
        name,
      }),
    );
  } catch (error) {
    throw new ReconcileError(
      'InvalidSecret',
      `cannot read secret ${namespace}/${name} (spec.git.push.policyBranches.pullRequest.secretRef): ${isNotFound(error) ? 'not found' : 'read failed'}`,
    );
  }
  const token = data.token?.trim();
  if (!token) {
    throw new ReconcileError(
      'InvalidSecret',
      `secret ${namespace}/${name} (spec.git.push.policyBranches.pullRequest.secretRef) has no "token" key`,
    );
  }
  return { spec, address, repository, token, base, tls: source.tls };
}

/** The request of one policy branch; throws a ReconcileError naming the forge call that failed. */
export async function syncPullRequest(
  target: PullRequestTarget,
  run: { automation: string; policy: string; image: ImageRef; branch: string; headCommit: string },
  signal: AbortSignal,
): Promise<PullRequestOutcome> {
  const api = forgeApi(target.spec.provider, {
    address: target.address,
    repository: target.repository,
    token: target.token,
    signal,
    tls: target.tls,
  });
  const image = `${run.image.name}:${run.image.tag}${run.image.digest ? `@${run.image.digest}` : ''}`;
  try {
    return await ensurePullRequest(api, {
      head: run.branch,
      headCommit: run.headCommit,
      base: target.base,
      title: `Update ${run.policy} to ${run.image.tag}`,
      body: [
        `ImagePolicy \`${run.policy}\` picked \`${image}\`.`,
        '',
        `This branch (\`${run.branch}\`) is kept by the ImageUpdateAutomation \`${run.automation}\`: a later image of the policy is pushed here and this request is updated.`,
        '',
        `Head: ${run.headCommit}`,
      ].join('\n'),
    });
  } catch (error) {
    if (error instanceof ForgeError) {
      throw new ReconcileError(
        PullRequestReason.Failed,
        `pull request for ${run.branch} through ${target.spec.provider} at ${target.address}: ${error.message}`,
      );
    }
    throw error;
  }
}
