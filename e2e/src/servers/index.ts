export { type BasicAuth, basicAuthHeader } from './basic-auth.ts';
export {
  type GitHttpRequestRecord,
  GitHttpServer,
  type GitHttpServerOptions,
  startGitHttpServer,
} from './git-http.ts';
export {
  type CommitOptions,
  type CreateRepoOptions,
  type GitFiles,
  GitRepoHost,
  GitRepoStore,
  gitIdentity,
  isolatedGitEnv,
  type TagOptions,
} from './git-repos.ts';
export { createGpgSigner, createSshSigner, type GitSigner, signingArgs } from './git-signing.ts';
export {
  GitSshServer,
  type GitSshServerOptions,
  generateSshKey,
  type SshKeyPair,
  sshCommandFor,
  startGitSshServer,
} from './git-ssh.ts';
export { Gitea, type GiteaPull, type GiteaRepository, startGitea } from './gitea.ts';
export {
  buildGitea,
  giteaBinaryPath,
  giteaBuilt,
  giteaSkipReason,
  giteaVersion,
  replaceDirectives,
} from './gitea-build.ts';
export { closeServer, listenOnLoopback, loopbackHost } from './loopback.ts';
export {
  blobExists,
  mountBlob,
  type OciBlob,
  type OciDescriptor,
  type OciManifest,
  OciRequestError,
  type OciTarget,
  ociEmptyMediaType,
  ociManifestMediaType,
  type PushArtifactOptions,
  type PushedArtifact,
  pullBlob,
  pullManifest,
  pushArtifact,
  pushBlob,
  sha256Digest,
} from './oci-client.ts';
export { type PushLayoutOptions, pushImageLayout } from './oci-layout.ts';
export { OciRegistry, type OciRegistryOptions, type RegistryTls, startOciRegistry } from './oci-registry.ts';
export { CommandError, makeTempDir, removeDir, run } from './process.ts';
export { libtrustKeyId, RegistryTokenServer } from './registry-token.ts';
export { S3Server, type S3ServerOptions, startS3Server } from './s3-server.ts';
export {
  type StaticHttpRequestRecord,
  StaticHttpServer,
  type StaticHttpServerOptions,
  startStaticHttpServer,
} from './static-http.ts';
export {
  type ReceivedRequest,
  type SinkResponse,
  startWebhookSink,
  WebhookSink,
  type WebhookSinkOptions,
} from './webhook-sink.ts';
