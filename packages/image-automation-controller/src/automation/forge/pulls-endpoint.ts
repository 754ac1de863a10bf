/**
 * A `/repos/{owner}/{repo}/pulls` endpoint as Gitea and GitHub both have it: the same create
 * and edit bodies, the same pull object (`number`, `html_url`, `state`, `head.sha`, `body`).
 */
import type { PullRequest, PullRequestWish } from './forge.ts';
import { type CallOptions, requestJson } from './http.ts';

export interface PullObject {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body?: string | null;
  head?: { ref?: string; sha?: string };
  base?: { ref?: string };
}

export class PullsEndpoint {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #options: CallOptions;

  constructor(url: string, headers: Record<string, string>, call: CallOptions) {
    this.#url = url;
    this.#headers = headers;
    this.#options = call;
  }

  /** The raw pull objects a query (`?state=all&…`) answers. */
  query(query: string): Promise<PullObject[]> {
    return this.#call<PullObject[]>('GET', `?${query}`);
  }

  async create(wish: PullRequestWish): Promise<PullRequest> {
    const body = { head: wish.head, base: wish.base, title: wish.title, body: wish.body };
    return toPullRequest(await this.#call<PullObject>('POST', '', body));
  }

  async update(request: PullRequest, wish: PullRequestWish): Promise<PullRequest> {
    const body = { title: wish.title, body: wish.body };
    return toPullRequest(await this.#call<PullObject>('PATCH', `/${request.number}`, body));
  }

  #call<T>(method: 'GET' | 'POST' | 'PATCH', suffix: string, body?: unknown): Promise<T> {
    return requestJson<T>({
      method,
      url: `${this.#url}${suffix}`,
      headers: this.#headers,
      ...(body === undefined ? {} : { body }),
      ...this.#options,
    });
  }
}

export function toPullRequest(pull: PullObject): PullRequest {
  return {
    number: pull.number,
    url: pull.html_url,
    open: pull.state === 'open',
    headCommit: pull.head?.sha,
    title: pull.title,
    body: pull.body ?? '',
  };
}
