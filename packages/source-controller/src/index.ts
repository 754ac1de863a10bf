export { ArtifactService } from './artifact-server.ts';
export * from './controller.ts';
export * from './flags.ts';
export * from './git/index.ts';
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
export * from './ignore/index.ts';
