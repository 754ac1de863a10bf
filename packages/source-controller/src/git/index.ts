export { authFromSecret, type GitAuth, SecretKey, type SshAuth } from './auth.ts';
export {
  type CheckoutOptions,
  type CheckoutResult,
  checkout,
  fetchSource,
  type GitSourceOptions,
  remoteRevision,
  type SourceResult,
} from './checkout.ts';
export { GitError, GitErrorCode, redactGitUrl } from './errors.ts';
export { knownHostKeys } from './known-hosts.ts';
export { defaultFetchLimits, type FetchLimits } from './limits.ts';
export {
  defaultBranch,
  formatRevision,
  type GitReference,
  type ResolvedReference,
  revisionCommit,
} from './reference.ts';
