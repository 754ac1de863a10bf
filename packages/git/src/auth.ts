import { GitError } from './errors.ts';

/** Credentials for one remote, read from a Kubernetes Secret (Flux's key names). */
export interface GitAuth {
  /** The secret the credentials came from, for messages: `<namespace>/<name>`. */
  secretName?: string;
  basic?: { username: string; password: string };
  bearerToken?: string;
  /** PEM CA bundle to trust for https (key `ca.crt`). */
  caCert?: string;
  ssh?: SshAuth;
}

export interface SshAuth {
  /** OpenSSH or PEM private key (key `identity`). */
  identity: string;
  /** Passphrase of the identity (key `password`). */
  passphrase?: string;
  /** known_hosts lines the server's host key must match (key `known_hosts`). */
  knownHosts: string;
}

/** Secret keys this controller reads. */
export const SecretKey = {
  Username: 'username',
  Password: 'password',
  BearerToken: 'bearerToken',
  CaCert: 'ca.crt',
  LegacyCaFile: 'caFile',
  Identity: 'identity',
  KnownHosts: 'known_hosts',
} as const;

/**
 * Turns a secret's data (already base64-decoded) into credentials for `url`, refusing
 * combinations that cannot work with a message naming the secret and the key.
 */
export function authFromSecret(url: string, secretName: string, data: Record<string, string>): GitAuth {
  const isSsh = url.startsWith('ssh://');
  const auth: GitAuth = { secretName };
  const present = (key: string) => data[key] !== undefined && data[key] !== '';
  if (isSsh) {
    const identity = data[SecretKey.Identity];
    const knownHosts = data[SecretKey.KnownHosts];
    if (identity === undefined || identity === '') {
      throw new GitError(
        'InvalidSecret',
        `secret ${secretName} has no key "${SecretKey.Identity}": an ssh URL needs a private key there`,
        { details: { secret: secretName, key: SecretKey.Identity } },
      );
    }
    if (knownHosts === undefined || knownHosts.trim() === '') {
      throw new GitError(
        'InvalidSecret',
        `secret ${secretName} has no key "${SecretKey.KnownHosts}": an ssh URL needs the server's host key there (ssh-keyscan output)`,
        { details: { secret: secretName, key: SecretKey.KnownHosts } },
      );
    }
    auth.ssh = { identity, knownHosts };
    const passphrase = data[SecretKey.Password];
    if (passphrase !== undefined && passphrase !== '') auth.ssh.passphrase = passphrase;
    return auth;
  }
  if (present(SecretKey.Username) !== present(SecretKey.Password)) {
    const missing = present(SecretKey.Username) ? SecretKey.Password : SecretKey.Username;
    throw new GitError(
      'InvalidSecret',
      `secret ${secretName} has no key "${missing}": basic authentication needs both "${SecretKey.Username}" and "${SecretKey.Password}"`,
      { details: { secret: secretName, key: missing } },
    );
  }
  if (present(SecretKey.BearerToken) && present(SecretKey.Username)) {
    throw new GitError(
      'InvalidSecret',
      `secret ${secretName} has both "${SecretKey.BearerToken}" and "${SecretKey.Username}": keep only one way to authenticate`,
      { details: { secret: secretName, key: SecretKey.BearerToken } },
    );
  }
  if (present(SecretKey.Username)) {
    auth.basic = {
      username: data[SecretKey.Username] as string,
      password: data[SecretKey.Password] as string,
    };
  }
  if (present(SecretKey.BearerToken)) auth.bearerToken = data[SecretKey.BearerToken] as string;
  const ca = data[SecretKey.CaCert] ?? data[SecretKey.LegacyCaFile];
  if (ca !== undefined && ca !== '') {
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new GitError(
        'InvalidSecret',
        `secret ${secretName} key "${SecretKey.CaCert}" is not a PEM certificate bundle`,
        { details: { secret: secretName, key: SecretKey.CaCert } },
      );
    }
    auth.caCert = ca;
  }
  return auth;
}

/** Which secret key a refused login points at, for messages. */
export function credentialKeys(auth: GitAuth | undefined): string {
  if (auth?.ssh) return `"${SecretKey.Identity}"`;
  if (auth?.bearerToken !== undefined) return `"${SecretKey.BearerToken}"`;
  if (auth?.basic) return `"${SecretKey.Username}"/"${SecretKey.Password}"`;
  return '';
}
