export {
  type ApplyOptions,
  Client,
  type ClientOptions,
  type DeleteOptions,
  type ListOptions,
  type ObjectList,
  type PatchOptions,
  type PatchStatusOptions,
  type PropagationPolicy,
  resourcePath,
  type ServiceAccountRef,
  type WatchEvent,
  type WatchOptions,
} from './client.ts';
export {
  Discovery,
  type DiscoveryOptions,
  parseResourceList,
} from './discovery.ts';
export {
  ApiError,
  ConflictError,
  errorFromStatus,
  ForbiddenError,
  GoneError,
  InvalidError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  NoKindMatchError,
  NotFoundError,
  type StatusCause,
  type StatusDetails,
  UnauthorizedError,
} from './errors.ts';
export {
  type InClusterOptions,
  type KubeConfigLike,
  loadDefaultRestConfig,
  RestConfig,
  type RestConfigOptions,
  serviceAccountDir,
} from './kubeconfig.ts';
export {
  type KubeconfigCluster,
  type KubeconfigContext,
  KubeconfigError,
  type KubeconfigUser,
} from './kubeconfig-parse.ts';
export {
  type LabelSelector,
  type LabelSelectorRequirement,
  matchesLabelSelector,
} from './label-selector.ts';
export {
  clientFromKubeconfigSecret,
  KubeconfigSecretError,
  type KubeconfigSecretRef,
  kubeConfigFromString,
  type RemoteClientOptions,
} from './remote.ts';
export { decodeSecretBytes, decodeSecretData } from './secret.ts';
export {
  buildPath,
  type HttpRequest,
  type HttpResponse,
  jsonLines,
  KubeConfigTransport,
  type QueryValue,
  type Transport,
} from './transport.ts';
export {
  describeObject,
  isKubeObject,
  isRecord,
  type KubeObject,
  type ManagedFieldsEntry,
  type ObjectMeta,
  type ObjectRef,
  objectKey,
  parseApiVersion,
  type ResourceMapping,
} from './types.ts';
