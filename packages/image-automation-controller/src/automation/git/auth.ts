/**
 * How to reach a GitRepository's remote: its URL and the credentials of its `spec.secretRef`
 * (Flux's keys: `username`/`password` or `bearerToken` and `ca.crt` for HTTPS; `identity`,
 * `known_hosts` and `password` for SSH), turned into an isomorphic-git transport.
 */
import type { AuthCallback, HttpClient } from 'isomorphic-git';
import { AutomationGitError } from './errors.ts';
import { httpTransport } from './http.ts';
import { parseSshUrl, SshTransport, sshBridgeUrl } from './ssh.ts';

export interface Remote {
  /** The URL isomorphic-git is given (a stand-in for ssh remotes). */
  url: string;
  /** The GitRepository's URL, for messages and revisions. */
  displayUrl: string;
  http: HttpClient;
  onAuth?: AuthCallback;
  close(): void;
}

const present = (data: Record<string, string>, key: string) => (data[key] ?? '') !== '';

/** `data` is the secret's data, decoded; `secretName` is `<namespace>/<name>` for messages. */
export function remoteFor(
  url: string,
  secret: { name: string; data: Record<string, string> } | undefined,
  signal: AbortSignal | undefined,
): Remote {
  const data = secret?.data ?? {};
  const secretName = secret?.name ?? '';
  if (url.startsWith('ssh://') || /^[^@/]+@[^:/]+:(?!\/)/.test(url)) {
    if (!secret) {
      throw new AutomationGitError(
        'InvalidSecret',
        `the GitRepository's URL ${url} is ssh: its spec.secretRef must name a secret with "identity" and "known_hosts"`,
      );
    }
    for (const key of ['identity', 'known_hosts']) {
      if (!present(data, key)) {
        throw new AutomationGitError(
          'InvalidSecret',
          `secret ${secretName} has no key "${key}": an ssh URL needs it`,
        );
      }
    }
    const transport = new SshTransport({
      target: parseSshUrl(url),
      identity: data.identity as string,
      ...(present(data, 'password') ? { passphrase: data.password as string } : {}),
      knownHosts: data.known_hosts as string,
      secretName,
      ...(signal ? { signal } : {}),
    });
    return { url: sshBridgeUrl, displayUrl: url, http: transport, close: () => transport.close() };
  }
  if (!/^https?:\/\//.test(url)) {
    throw new AutomationGitError(
      'GitOperationFailed',
      `unsupported Git URL ${url}: use http(s):// or ssh://`,
    );
  }
  if (present(data, 'username') !== present(data, 'password')) {
    const missing = present(data, 'username') ? 'password' : 'username';
    throw new AutomationGitError(
      'InvalidSecret',
      `secret ${secretName} has no key "${missing}": basic authentication needs both "username" and "password"`,
    );
  }
  const headers: Record<string, string> = {};
  if (present(data, 'bearerToken')) headers.authorization = `Bearer ${data.bearerToken}`;
  const ca = data['ca.crt'] ?? data.caFile;
  const http = httpTransport({
    headers,
    ...(ca ? { caCert: ca } : {}),
    ...(signal ? { signal } : {}),
  });
  const remote: Remote = { url, displayUrl: url, http, close: () => {} };
  if (present(data, 'username')) {
    const credentials = { username: data.username as string, password: data.password as string };
    remote.onAuth = () => credentials;
  }
  return remote;
}
