export { ArtifactService } from './artifact-server.ts';
export { BucketReason, BucketReconciler, type BucketReconcilerOptions } from './bucket/reconciler.ts';
export * from './controller.ts';
export * from './flags.ts';
export * from './git/index.ts';
export {
  GitReason,
  GitRepositoryReconciler,
  type GitRepositoryReconcilerOptions,
} from './gitrepository/reconciler.ts';
export * from './ignore/index.ts';
export {
  OCIReason,
  OCIRepositoryReconciler,
  type OCIRepositoryReconcilerOptions,
} from './ocirepository/reconciler.ts';
