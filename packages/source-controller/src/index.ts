export { ArtifactService } from './artifact-server.ts';
export { BucketReason, BucketReconciler, type BucketReconcilerOptions } from './bucket/reconciler.ts';
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
export { HelmReason } from './helm/reasons.ts';
export { HelmChartReconciler, type HelmChartReconcilerOptions } from './helmchart/reconciler.ts';
export {
  HelmRepositoryReconciler,
  type HelmRepositoryReconcilerOptions,
} from './helmrepository/reconciler.ts';
export {
  defaultIgnore,
  IgnoreRules,
  ignoreRulesForTree,
  sourceIgnoreFile,
  vcsIgnore,
} from './ignore/index.ts';
export {
  OCIReason,
  OCIRepositoryReconciler,
  type OCIRepositoryReconcilerOptions,
} from './ocirepository/reconciler.ts';
