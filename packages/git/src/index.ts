export { authFromSecret, credentialKeys, type GitAuth, SecretKey, type SshAuth } from './auth.ts';
export { GitError, GitErrorCode, type GitErrorOptions, redactGitUrl } from './errors.ts';
export { createHttpClient, type HttpClientOptions, translateNetworkError } from './http-client.ts';
export { hostKeyAlgorithms, type KnownHostKey, knownHostKeys, knownHostName } from './known-hosts.ts';
export { ByteBudget, defaultFetchLimits, type FetchLimits } from './limits.ts';
export { Remote, type RemoteOptions } from './remote.ts';
export {
  parseSshUrl,
  SshHttpClient,
  type SshHttpClientOptions,
  type SshTarget,
  sshBridgeUrl,
} from './ssh-transport.ts';
