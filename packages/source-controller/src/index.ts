export { ArtifactService } from './artifact-server.ts';
export {
  addSourceController,
  FieldManager,
  type SourceController,
  type SourceControllerOptions,
} from './controller.ts';
export {
  parseSourceControllerFlags,
  type SourceControllerConfig,
  sourceControllerFlags,
} from './flags.ts';
export {
  authFromSecret,
  type CheckoutOptions,
  type CheckoutResult,
  checkout,
  defaultBranch,
  defaultFetchLimits,
  type FetchLimits,
  fetchSource,
  formatRevision,
  type GitAuth,
  GitError,
  GitErrorCode,
  type GitReference,
  type GitSourceOptions,
  knownHostKeys,
  type ResolvedReference,
  redactGitUrl,
  remoteRevision,
  revisionCommit,
  SecretKey,
  type SourceResult,
  type SshAuth,
} from './git/index.ts';
export {
  GitReason,
  GitRepositoryReconciler,
  type GitRepositoryReconcilerOptions,
} from './gitrepository/reconciler.ts';
export {
  defaultIgnore,
  IgnoreRules,
  sourceIgnoreFile,
  vcsIgnore,
} from './ignore/index.ts';
