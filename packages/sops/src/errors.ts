/** A SOPS file that cannot be decrypted: the message names the file and says what to fix. */
export class SopsError extends Error {
  override name = 'SopsError';
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.file = file;
  }
}
