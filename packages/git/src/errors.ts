/** What went wrong talking to a Git server, as a user would need to know it. */
export const GitErrorCode = {
  /** The URL is not a supported http(s)/ssh URL. */
  InvalidUrl: 'InvalidUrl',
  /** The secret lacks a key, or a key holds something unusable. */
  InvalidSecret: 'InvalidSecret',
  /** DNS failure, connection refused or reset. */
  Unreachable: 'Unreachable',
  /** The server's SSH host key is not in known_hosts (or differs from it). */
  HostKeyUnknown: 'HostKeyUnknown',
  /** The server refused the credentials, or asked for credentials none were given. */
  AuthenticationFailed: 'AuthenticationFailed',
  /** The branch, tag, ref name or commit does not exist on the remote. */
  RefNotFound: 'RefNotFound',
  /** No tag satisfies the semver range. */
  NoMatchingTag: 'NoMatchingTag',
  /** The operation did not finish within the timeout. */
  Timeout: 'Timeout',
  /** The fetched pack or the checkout exceeds the size cap. */
  TooLarge: 'TooLarge',
  /** The server refused a pushed ref update for a reason other than the branch having moved. */
  PushRejected: 'PushRejected',
  /** Anything else the Git protocol or the server reported. */
  GitOperationFailed: 'GitOperationFailed',
} as const;
export type GitErrorCode = (typeof GitErrorCode)[keyof typeof GitErrorCode];

export interface GitErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** A typed Git failure; the message names the URL (without credentials), ref, secret or key at fault. */
export class GitError extends Error {
  readonly code: GitErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: GitErrorCode, message: string, options: GitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GitError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** A URL as it may appear in messages: no user info, no query. */
export function redactGitUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = parsed.protocol === 'ssh:' ? parsed.username : '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
