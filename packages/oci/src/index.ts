export { selectLayer } from './artifact/layer.ts';
export { type PullArtifactOptions, type PulledArtifact, pullArtifact } from './artifact/pull.ts';
export { type PushArtifactOptions, type PushedArtifact, pushArtifact, tagArtifact } from './artifact/push.ts';
export { TokenCache } from './auth.ts';
export { type Challenge, nextLink, parseChallenge } from './challenge.ts';
export {
  type FetchedManifest,
  RegistryClient,
  type RegistryClientOptions,
  type ResolvedManifest,
} from './client.ts';
export { type Credentials, credentialsFromDockerConfig, dockerConfigFor } from './credentials.ts';
export { sha256 } from './digest.ts';
export { errorMessage, OciError, OciErrorCode } from './errors.ts';
export { type ImageName, parseImageName } from './image-name.ts';
export {
  type Descriptor,
  type IndexEntry,
  type Manifest,
  parseImageIndex,
  parseManifest,
} from './manifest.ts';
export { Annotation, contentLayerMediaTypes, MediaType, manifestAccept } from './media-types.ts';
export { type HttpProxy, proxyFromSecret } from './proxy.ts';
export {
  formatReference,
  isValidDigest,
  isValidTag,
  type OciReference,
  parseReference,
} from './reference.ts';
export {
  credentialsFromPullSecret,
  type PullSecretReader,
  type PullSecretRefs,
  registryCredentials,
  tlsFromSecret,
} from './secret-material.ts';
export { type TlsOptions, Transport } from './transport.ts';
