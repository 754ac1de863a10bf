/** Errors of Helm repository and chart handling, each with a code that picks the condition reason. */
export type HelmErrorCode =
  | 'InvalidUrl'
  | 'InvalidSecret'
  | 'AuthenticationFailed'
  | 'Unreachable'
  | 'Timeout'
  | 'HttpStatus'
  | 'TooLarge'
  | 'InvalidIndex'
  | 'ChartNotFound'
  | 'DigestMismatch'
  | 'InvalidChart'
  | 'MissingValuesFile'
  | 'MissingDependency'
  | 'Unsupported';

export class HelmError extends Error {
  override name = 'HelmError';
  readonly code: HelmErrorCode;
  constructor(code: HelmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A URL without its userinfo and query, safe for messages. */
export function redactHelmUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}
