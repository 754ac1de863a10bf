/** The forge API of a provider name (spec.git.push.policyBranches.pullRequest.provider). */
import { type ForgeApi, ForgeError } from './forge.ts';
import { GiteaApi } from './gitea.ts';
import { GitHubApi } from './github.ts';
import { GitLabApi } from './gitlab.ts';
import type { CallOptions } from './http.ts';

export {
  decide,
  ensurePullRequest,
  type ForgeApi,
  ForgeError,
  forgeAddress,
  type PullRequestOutcome,
  repositoryPath,
} from './forge.ts';

export type { ForgeTls } from './http.ts';

export interface ForgeOptions extends CallOptions {
  address: string;
  /** `owner/name` (GitLab: the project path). */
  repository: string;
  token: string;
}

export function forgeApi(provider: string, options: ForgeOptions): ForgeApi {
  switch (provider) {
    case 'gitea':
      return new GiteaApi(options);
    case 'github':
      return new GitHubApi(options);
    case 'gitlab':
      return new GitLabApi(options);
    default:
      throw new ForgeError(`unknown pull request provider "${provider}": use gitea, github or gitlab`);
  }
}
