/** Git failures of an automation run, each with the Ready reason it reports. */

export type GitFailure =
  | 'AuthenticationFailed'
  | 'InvalidSecret'
  | 'HostKeyUnknown'
  | 'Unreachable'
  | 'RefNotFound'
  | 'PushRejected'
  | 'GitOperationFailed';

export class AutomationGitError extends Error {
  readonly failure: GitFailure;
  constructor(failure: GitFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AutomationGitError';
    this.failure = failure;
  }
}

/** A URL as it may appear in messages: no user info. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
