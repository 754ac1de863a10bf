/**
 * The message of something thrown, for a condition, an event or a log line. `throw` accepts any
 * value, so a caught value is `unknown`: an Error gives its message, anything else its string.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
