/**
 * Gitea's (and Forgejo's) pull requests, API v1 (`/api/v1/repos/{owner}/{repo}/pulls`), token
 * auth. Tested against a real Gitea v1.26.0 (test/automation-pull-requests.test.ts).
 */
import type { ForgeApi, PullRequest, PullRequestWish } from './forge.ts';
import type { CallOptions } from './http.ts';
import { PullsEndpoint, toPullRequest } from './pulls-endpoint.ts';

/** Gitea's page size cap by default (`[api] MAX_RESPONSE_ITEMS`). */
const pageSize = 50;
const maxPages = 20;

export class GiteaApi implements ForgeApi {
  readonly provider = 'gitea';
  readonly #pulls: PullsEndpoint;

  constructor(options: { address: string; repository: string; token: string } & CallOptions) {
    const [owner = '', ...rest] = options.repository.split('/');
    const url = `${options.address}/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(rest.join('/'))}/pulls`;
    this.#pulls = new PullsEndpoint(
      url,
      { Authorization: `token ${options.token}` },
      {
        signal: options.signal,
        tls: options.tls,
      },
    );
  }

  async list(head: string, base: string): Promise<PullRequest[]> {
    // Filtered here: Gitea's list has no head filter.
    const found: PullRequest[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const pulls = await this.#pulls.query(`state=all&limit=${pageSize}&page=${page}`);
      for (const pull of pulls) {
        if (pull.head?.ref === head && pull.base?.ref === base) found.push(toPullRequest(pull));
      }
      if (pulls.length < pageSize) break;
    }
    return found;
  }

  create(wish: PullRequestWish): Promise<PullRequest> {
    return this.#pulls.create(wish);
  }

  update(request: PullRequest, wish: PullRequestWish): Promise<PullRequest> {
    return this.#pulls.update(request, wish);
  }
}
