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
  type CheckoutOptions,
  type CheckoutResult,
  checkout,
  defaultBranch,
  fetchSource,
  formatRevision,
  type GitReference,
  type GitSourceOptions,
  type ResolvedReference,
  remoteRevision,
  revisionCommit,
  type SourceResult,
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
