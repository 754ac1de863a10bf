/**
 * JSON over HTTP(S) for the forge APIs, with node:http and node:https (not fetch: its TLS
 * settings are a dispatcher's, and loading it costs the process undici). HTTPS trusts the same CA
 * as the Git transport of the GitRepository (its secret's `ca.crt`), which, as git's
 * http.sslCAInfo, replaces the system roots; without one, the system roots. Errors say the
 * method, the URL path and the forge's own message, never a header (the token is one) or the
 * whole response body.
 */
import type { IncomingMessage } from 'node:http';
import { ForgeError } from './forge.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

/** TLS settings of the forge calls: those of the GitRepository's Git transport. */
export interface ForgeTls {
  /** PEM CA bundle to trust instead of the system roots. */
  ca?: string | undefined;
}

/** What every call of one forge API shares besides its URL and headers. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  tls?: ForgeTls | undefined;
}

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  tls?: ForgeTls | undefined;
}

/** How long one API call may take; a forge that hangs must not hold a reconcile worker. */
const timeoutMs = 30_000;
/** A forge's answer larger than this is refused (a page of 100 requests is far below it). */
const maxBodyBytes = 16 * 1024 * 1024;

export async function requestJson<T>(request: JsonRequest): Promise<T> {
  const url = new URL(request.url);
  const where = `${request.method} ${url.pathname}`;
  const signal = AbortSignal.any([
    AbortSignal.timeout(timeoutMs),
    ...(request.signal ? [request.signal] : []),
  ]);
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
  let response: { status: number; text: string };
  try {
    response = await send(url, request, payload, signal);
  } catch (error) {
    throw new ForgeError(`${where} on ${url.origin} failed: ${networkCause(error, request.tls, signal)}`);
  }
  const { status, text } = response;
  if (status >= 300 && status < 400) {
    throw new ForgeError(
      `${where} answered HTTP ${status} (a redirect, not followed): check spec.git.push.policyBranches.pullRequest.address`,
    );
  }
  if (status < 200 || status >= 300) {
    const hint =
      status === 401 || status === 403
        ? ' (check the token in spec.git.push.policyBranches.pullRequest.secretRef and its scopes)'
        : status === 404
          ? ' (check the repository URL, address and the token’s access to the repository)'
          : '';
    throw new ForgeError(`${where} answered HTTP ${status}: ${forgeMessage(text)}${hint}`);
  }
  try {
    return (text === '' ? undefined : JSON.parse(text)) as T;
  } catch {
    throw new ForgeError(`${where} answered HTTP ${status} with a body that is not JSON`);
  }
}

function send(
  url: URL,
  request: JsonRequest,
  payload: Buffer | undefined,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...(payload === undefined
      ? {}
      : { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }),
    ...request.headers,
  };
  const options = { method: request.method, headers, signal };
  return new Promise((resolve, reject) => {
    const outgoing =
      url.protocol === 'https:'
        ? https.request(url, { ...options, ...(request.tls?.ca === undefined ? {} : { ca: request.tls.ca }) })
        : http.request(url, options);
    outgoing.on('error', reject);
    outgoing.on('response', (incoming: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          incoming.destroy(new Error(`the answer is larger than ${maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('error', reject);
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    outgoing.end(payload);
  });
}

/** What a failed connection says, in words a user can act on. */
function networkCause(error: unknown, tls: ForgeTls | undefined, signal: AbortSignal): string {
  if (signal.aborted) return `no answer within ${timeoutMs / 1000} s or the run was cancelled`;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (/CERT|SELF_SIGNED|SSL|TLS|ERR_OSSL/i.test(code) || /certificate/i.test(message)) {
    const fix =
      tls?.ca === undefined
        ? 'put the forge’s CA in the GitRepository secret’s "ca.crt" (spec.secretRef), as for the Git transport'
        : 'the CA in the GitRepository secret’s "ca.crt" (spec.secretRef) does not verify the forge’s certificate';
    return `TLS verification failed (${code || message}): ${fix}`;
  }
  return code ? `${message} (${code})` : message;
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
