/**
 * The one error type of @weft/artifact. Callers branch on `code`; the message names the path or
 * URL involved so that a condition message built from it tells the user what to look at.
 */
export const ArtifactErrorCode = {
  /** The downloaded bytes do not hash to the digest the caller expected. */
  DigestMismatch: 'DigestMismatch',
  /** The server answered with a 4xx (not retried) or kept answering 5xx. */
  HttpStatus: 'HttpStatus',
  /** A download attempt took longer than `timeoutMs`. */
  Timeout: 'Timeout',
  /** The connection failed (refused, reset, DNS). */
  Network: 'Network',
  /** An archive entry path is absolute, contains `..`, or passes through a symlink. */
  UnsafePath: 'UnsafePath',
  /** A symlink or hardlink points outside the root. */
  LinkEscape: 'LinkEscape',
  /** A device, FIFO or other entry type weft never extracts. */
  UnsupportedEntry: 'UnsupportedEntry',
  /** The archive (compressed or uncompressed) exceeds `maxSize`. */
  TooLarge: 'TooLarge',
  /** The archive holds more than `maxFiles` entries. */
  TooManyFiles: 'TooManyFiles',
  /** The bytes are not a gzip-compressed tar archive. */
  InvalidArchive: 'InvalidArchive',
  /** A kind/namespace/name/digest that cannot name a storage path. */
  InvalidReference: 'InvalidReference',
  /** A source file changed while the artifact was being built. */
  SourceChanged: 'SourceChanged',
} as const;
export type ArtifactErrorCode = (typeof ArtifactErrorCode)[keyof typeof ArtifactErrorCode];

export interface ArtifactErrorOptions {
  cause?: unknown;
  /** Machine-readable facts about the failure (digests, sizes, status code). */
  details?: Record<string, string | number>;
}

export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
  readonly code: ArtifactErrorCode;
  readonly details: Record<string, string | number>;

  constructor(code: ArtifactErrorCode, message: string, options: ArtifactErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/**
 * A URL safe to put in an error or a log: credentials and the query string (which may hold a
 * pre-signed token) are dropped.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    const hadQuery = parsed.search !== '';
    parsed.search = '';
    parsed.hash = '';
    return hadQuery ? `${parsed.toString()}?<redacted>` : parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}
