/**
 * Pull (merge) requests for per-policy branches, through a forge's REST API: one interface,
 * one implementation per forge (gitea.ts, github.ts, gitlab.ts). Each run of a policy branch
 * asks for its request to be there: `ensure` finds the requests of the branch, updates the open
 * one's title and description, and opens one only when there is none, so a later update of the
 * policy lands on the same branch and request. It keeps no state of its own: a request it failed
 * to open is opened by the next run, and a branch head a person already merged or closed a
 * request for is left alone (never reopened for the same commit).
 */

/** What one policy branch wants. */
export interface PullRequestWish {
  /** The policy branch, e.g. `weft/update/app`. */
  head: string;
  /** The commit at the head of the policy branch. */
  headCommit: string;
  /** The branch to merge into. */
  base: string;
  title: string;
  body: string;
}

/** A request as the forge reports it, reduced to what `decide` needs. */
export interface PullRequest {
  /** The number users see (GitLab's `iid`). */
  number: number;
  url: string;
  open: boolean;
  /** The head commit the request was at (for closed ones: the commit someone merged or closed). */
  headCommit: string | undefined;
  title: string;
  body: string;
}

export type PullRequestOutcome =
  | { action: 'opened' | 'updated' | 'unchanged'; request: PullRequest }
  | { action: 'closed-by-user'; request: PullRequest };

/** What one forge's API does; each call throws a ForgeError that names no secret. */
export interface ForgeApi {
  readonly provider: string;
  /** The requests (open and closed) from `head` into `base`, newest first. */
  list(head: string, base: string): Promise<PullRequest[]>;
  create(wish: PullRequestWish): Promise<PullRequest>;
  update(request: PullRequest, wish: PullRequestWish): Promise<PullRequest>;
}

export class ForgeError extends Error {
  override name = 'ForgeError';
}

/** The step `ensure` takes for what the forge has; pure, so the rules are unit-tested. */
export function decide(
  requests: readonly PullRequest[],
  wish: PullRequestWish,
): { do: 'create' } | { do: 'update' | 'keep' | 'leave'; request: PullRequest } {
  const open = requests.find((request) => request.open);
  if (open) {
    return open.title === wish.title && open.body === wish.body
      ? { do: 'keep', request: open }
      : { do: 'update', request: open };
  }
  // Someone merged or closed a request at this very commit: opening another would undo their say.
  const settled = requests.find((request) => request.headCommit === wish.headCommit);
  if (settled) return { do: 'leave', request: settled };
  return { do: 'create' };
}

export async function ensurePullRequest(api: ForgeApi, wish: PullRequestWish): Promise<PullRequestOutcome> {
  const step = decide(await api.list(wish.head, wish.base), wish);
  switch (step.do) {
    case 'create':
      return { action: 'opened', request: await api.create(wish) };
    case 'update':
      return { action: 'updated', request: await api.update(step.request, wish) };
    case 'keep':
      return { action: 'unchanged', request: step.request };
    case 'leave':
      return { action: 'closed-by-user', request: step.request };
  }
}

/** The owner and name (or GitLab's project path) of a repository URL: `/org/app.git` → `org/app`. */
export function repositoryPath(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    // scp-like `git@host:org/app.git`
    path = url.replace(/^[^:]*:/, '/');
  }
  const trimmed = decodeURIComponent(path)
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '');
  if (!trimmed.includes('/')) {
    throw new ForgeError(
      `cannot tell the owner and repository from ${url}: want <forge>/<owner>/<repository>`,
    );
  }
  return trimmed;
}

/** The forge's base URL: `address`, else the scheme, host and port of an http(s) repository URL. */
export function forgeAddress(repositoryUrl: string, address: string | undefined): string {
  if (address) return address.replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(repositoryUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ForgeError(
      'the GitRepository URL is not http(s): set spec.git.push.policyBranches.pullRequest.address to the forge URL',
    );
  }
  return parsed.origin;
}
