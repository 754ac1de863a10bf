/** Errors of the apply engine: every failing object, with its id, in one error. */

export interface ObjectError {
  /** Inventory id `<ns>_<name>_<group>_<kind>`. */
  id: string;
  /** `Kind/namespace/name`, for messages. */
  subject: string;
  message: string;
  cause: unknown;
}

export class ApplyError extends Error {
  override name = 'ApplyError';
  readonly errors: ObjectError[];
  constructor(action: string, errors: ObjectError[]) {
    super(
      `${action} failed for ${errors.length} object(s):\n${errors.map((e) => `${e.subject}: ${e.message}`).join('\n')}`,
    );
    this.errors = errors;
  }
}
