/**
 * source.weft.dev/v1: where artifacts come from, one module a kind under source/. Fields, defaults
 * and meanings follow Flux's source.toolkit.fluxcd.io v1 APIs (OCIRepository as v1beta2).
 */

export {
  type Bucket,
  BucketKind,
  BucketPlural,
  type BucketSpec,
  type BucketStatus,
  bucketDefinition,
  bucketSpecSchema,
  bucketStatusSchema,
} from './source/bucket.ts';
export {
  type GitRepository,
  GitRepositoryKind,
  GitRepositoryPlural,
  type GitRepositoryRef,
  type GitRepositorySpec,
  type GitRepositoryStatus,
  gitRepositoryDefinition,
  gitRepositoryRefSchema,
  gitRepositorySpecSchema,
  gitRepositoryStatusSchema,
} from './source/gitrepository.ts';
export {
  type HelmChart,
  HelmChartKind,
  HelmChartPlural,
  type HelmChartSpec,
  type HelmChartStatus,
  helmChartDefinition,
  helmChartSpecSchema,
  helmChartStatusSchema,
} from './source/helmchart.ts';
export {
  type HelmRepository,
  HelmRepositoryKind,
  HelmRepositoryPlural,
  type HelmRepositorySpec,
  type HelmRepositoryStatus,
  helmRepositoryDefinition,
  helmRepositorySpecSchema,
  helmRepositoryStatusSchema,
} from './source/helmrepository.ts';
export {
  type OCIRepository,
  OCIRepositoryKind,
  OCIRepositoryPlural,
  type OCIRepositoryRef,
  type OCIRepositorySpec,
  type OCIRepositoryStatus,
  ociRepositoryDefinition,
  ociRepositoryRefSchema,
  ociRepositorySpecSchema,
  ociRepositoryStatusSchema,
} from './source/ocirepository.ts';
export { SourceApiVersion, SourceGroup, SourceVersion } from './source/shared.ts';
