/**
 * Says so when `spec.timeout` cut a source's exchange short: the raw error of an aborted request
 * only says "aborted", which a user cannot act on.
 */
export function withTimeout(
  message: string,
  timeout: string | undefined,
  signal: AbortSignal | undefined,
): string {
  if (!signal?.aborted || (signal.reason as Error | undefined)?.name !== 'TimeoutError') return message;
  return `timed out after ${timeout ?? '60s'} (spec.timeout): ${message}`;
}
