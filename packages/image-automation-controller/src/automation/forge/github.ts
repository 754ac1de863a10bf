/**
 * GitHub's pull requests, REST API 2022-11-28 (`/repos/{owner}/{repo}/pulls`), bearer token.
 * Written to GitHub's documentation; not tested against a real GitHub (none is reachable from
 * where weft is tested), and no stand-in server is used in its place.
 */
import type { ForgeApi, PullRequest, PullRequestWish } from './forge.ts';
import type { CallOptions } from './http.ts';
import { PullsEndpoint, toPullRequest } from './pulls-endpoint.ts';

/** github.com's API is on its own host; GitHub Enterprise Server serves it under /api/v3. */
export function githubApiBase(address: string): string {
  const url = new URL(address);
  return url.hostname === 'github.com' || url.hostname === 'www.github.com'
    ? 'https://api.github.com'
    : `${url.origin}/api/v3`;
}

export class GitHubApi implements ForgeApi {
  readonly provider = 'github';
  readonly #owner: string;
  readonly #pulls: PullsEndpoint;

  constructor(options: { address: string; repository: string; token: string } & CallOptions) {
    const [owner = '', ...rest] = options.repository.split('/');
    this.#owner = owner;
    const url = `${githubApiBase(options.address)}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(rest.join('/'))}/pulls`;
    const headers = {
      Authorization: `Bearer ${options.token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'weft-image-automation-controller',
    };
    this.#pulls = new PullsEndpoint(url, headers, { signal: options.signal, tls: options.tls });
  }

  async list(head: string, base: string): Promise<PullRequest[]> {
    // `head` filters by `owner:branch`; the policy branch is in the repository itself.
    const query = new URLSearchParams({
      state: 'all',
      head: `${this.#owner}:${head}`,
      base,
      sort: 'created',
      direction: 'desc',
      per_page: '100',
    });
    return (await this.#pulls.query(query.toString())).map(toPullRequest);
  }

  create(wish: PullRequestWish): Promise<PullRequest> {
    return this.#pulls.create(wish);
  }

  update(request: PullRequest, wish: PullRequestWish): Promise<PullRequest> {
    return this.#pulls.update(request, wish);
  }
}
