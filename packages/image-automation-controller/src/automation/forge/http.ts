/**
 * JSON over HTTP for the forge APIs, with Node's fetch. Errors say the method, the URL path and
 * the forge's own message, never a header (the token is one) or the whole response body.
 */
import { ForgeError } from './forge.ts';

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** How long one API call may take; a forge that hangs must not hold a reconcile worker. */
const timeoutMs = 30_000;

export async function requestJson<T>(request: JsonRequest): Promise<T> {
  const where = `${request.method} ${new URL(request.url).pathname}`;
  const signals = [AbortSignal.timeout(timeoutMs), ...(request.signal ? [request.signal] : [])];
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: {
        Accept: 'application/json',
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.any(signals),
      redirect: 'error',
    });
  } catch (error) {
    const cause =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    throw new ForgeError(`${where} on ${new URL(request.url).origin} failed: ${cause}`);
  }
  const text = await response.text();
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? ' (check the token in spec.git.push.policyBranches.pullRequest.secretRef and its scopes)'
        : response.status === 404
          ? ' (check the repository URL, address and the token’s access to the repository)'
          : '';
    throw new ForgeError(`${where} answered HTTP ${response.status}: ${forgeMessage(text)}${hint}`);
  }
  try {
    return (text === '' ? undefined : JSON.parse(text)) as T;
  } catch {
    throw new ForgeError(`${where} answered HTTP ${response.status} with a body that is not JSON`);
  }
}

/** The `message` (or `error`) a forge puts in an error body, cut short. */
function forgeMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = body.message ?? body.error;
    if (message !== undefined)
      return String(typeof message === 'string' ? message : JSON.stringify(message)).slice(0, 300);
  } catch {
    // not JSON
  }
  return text.slice(0, 120).replace(/\s+/g, ' ').trim() || 'no message';
}
