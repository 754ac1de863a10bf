/** A build failure a user can act on: `file` names where the problem is, when known. */
export class KustomizeError extends Error {
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(file ? `${file}: ${message}` : message, options);
    this.name = 'KustomizeError';
    this.file = file;
  }
}
