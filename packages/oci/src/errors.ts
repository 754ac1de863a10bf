/** What went wrong talking to a registry, as a code a caller can map to a condition reason. */
export const OciErrorCode = {
  InvalidReference: 'InvalidReference',
  InvalidCredentials: 'InvalidCredentials',
  Unauthorized: 'Unauthorized',
  NotFound: 'NotFound',
  TooLarge: 'TooLarge',
  DigestMismatch: 'DigestMismatch',
  InvalidManifest: 'InvalidManifest',
  Http: 'Http',
  Network: 'Network',
} as const;
export type OciErrorCode = (typeof OciErrorCode)[keyof typeof OciErrorCode];

/** A registry error; its message never holds credentials, tokens or response bodies beyond a short excerpt. */
export class OciError extends Error {
  readonly code: OciErrorCode;
  readonly status: number | undefined;

  constructor(code: OciErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OciError';
    this.code = code;
    this.status = options.status;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
