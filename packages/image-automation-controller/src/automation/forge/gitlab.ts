/**
 * GitLab's merge requests, REST API v4 (`/api/v4/projects/{path}/merge_requests`),
 * `PRIVATE-TOKEN` auth. Written to GitLab's documentation; not tested against a real GitLab
 * (none is reachable from where weft is tested), and no stand-in server is used in its place.
 */
import type { ForgeApi, PullRequest, PullRequestWish } from './forge.ts';
import { type CallOptions, requestJson } from './http.ts';

interface GitLabMergeRequest {
  iid: number;
  web_url: string;
  state: string;
  title: string;
  description?: string | null;
  sha?: string;
}

export class GitLabApi implements ForgeApi {
  readonly provider = 'gitlab';
  readonly #requests: string;
  readonly #headers: Record<string, string>;
  readonly #options: CallOptions;

  constructor(options: { address: string; repository: string; token: string } & CallOptions) {
    // A project is named by its whole path (groups and subgroups), URL-encoded as one segment.
    this.#requests = `${options.address}/api/v4/projects/${encodeURIComponent(options.repository)}/merge_requests`;
    this.#headers = { 'PRIVATE-TOKEN': options.token };
    this.#options = { signal: options.signal, tls: options.tls };
  }

  async list(head: string, base: string): Promise<PullRequest[]> {
    const query = new URLSearchParams({
      state: 'all',
      source_branch: head,
      target_branch: base,
      order_by: 'created_at',
      sort: 'desc',
      per_page: '100',
    });
    const requests = await this.#call<GitLabMergeRequest[]>('GET', `?${query}`);
    return requests.map(toPullRequest);
  }

  async create(wish: PullRequestWish): Promise<PullRequest> {
    const body = {
      source_branch: wish.head,
      target_branch: wish.base,
      title: wish.title,
      description: wish.body,
    };
    return toPullRequest(await this.#call<GitLabMergeRequest>('POST', '', body));
  }

  async update(request: PullRequest, wish: PullRequestWish): Promise<PullRequest> {
    const body = { title: wish.title, description: wish.body };
    return toPullRequest(await this.#call<GitLabMergeRequest>('PUT', `/${request.number}`, body));
  }

  #call<T>(method: 'GET' | 'POST' | 'PUT', suffix: string, body?: unknown): Promise<T> {
    return requestJson<T>({
      method,
      url: `${this.#requests}${suffix}`,
      headers: this.#headers,
      ...(body === undefined ? {} : { body }),
      ...this.#options,
    });
  }
}

function toPullRequest(request: GitLabMergeRequest): PullRequest {
  return {
    number: request.iid,
    url: request.web_url,
    open: request.state === 'opened',
    headCommit: request.sha,
    title: request.title,
    body: request.description ?? '',
  };
}
