/**
 * GET over HTTP(S) for Helm repositories: basic auth, a private CA and client certificate, a
 * timeout for the whole response and a cap on its size (indexes and charts are untrusted input).
 */
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HelmError, redactHelmUrl } from './errors.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const { request: httpRequest } = process.getBuiltinModule('node:http');

export interface HelmTransport {
  /** Basic auth credentials. */
  basicAuth?: { username: string; password: string };
  /** PEM: trusted CA bundle, client certificate and key (certSecretRef). */
  tls?: { ca?: string; cert?: string; key?: string };
}

export interface GetOptions extends HelmTransport {
  timeoutMs: number;
  maxBytes: number;
  /** What the bytes are, for messages: "repository index", "chart podinfo-6.0.0". */
  what: string;
  signal?: AbortSignal;
  /** Redirects followed (default 5). */
  redirects?: number;
}

/** The whole body of a 200 response, or a HelmError saying what went wrong. */
export async function httpGet(url: string, options: GetOptions): Promise<Buffer> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let current = url;
  for (let hop = 0; ; hop++) {
    const response = await send(current, options, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location && hop < (options.redirects ?? 5)) {
      response.resume();
      current = new URL(location, current).toString();
      continue;
    }
    if (status === 401 || status === 403) {
      response.resume();
      throw new HelmError(
        'AuthenticationFailed',
        `${options.what}: ${redactHelmUrl(current)} answered HTTP ${status}: check the credentials in spec.secretRef`,
      );
    }
    if (status !== 200) {
      response.resume();
      throw new HelmError(
        'HttpStatus',
        `${options.what}: GET ${redactHelmUrl(current)} answered HTTP ${status}`,
      );
    }
    return readCapped(response, current, options, signal);
  }
}

function send(url: string, options: GetOptions, signal: AbortSignal): Promise<IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new HelmError('InvalidUrl', `"${redactHelmUrl(url)}" is not a valid URL`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new HelmError('InvalidUrl', `${redactHelmUrl(url)}: only http and https are supported here`);
  const headers: Record<string, string> = { 'user-agent': 'weft-source-controller' };
  if (options.basicAuth) {
    const token = Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString(
      'base64',
    );
    headers.authorization = `Basic ${token}`;
  }
  const tls = options.tls ?? {};
  const sendRequest = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = sendRequest(parsed, {
      method: 'GET',
      headers,
      signal,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    });
    outgoing.on('response', resolve);
    outgoing.on('error', (error) => reject(networkError(error, url, options, signal)));
    outgoing.end();
  });
}

async function readCapped(
  response: IncomingMessage,
  url: string,
  options: GetOptions,
  signal: AbortSignal,
): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    response.destroy();
    throw tooLarge(url, options);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.maxBytes) {
        response.destroy();
        throw tooLarge(url, options);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof HelmError) throw error;
    throw networkError(error, url, options, signal);
  }
  return Buffer.concat(chunks);
}

function tooLarge(url: string, options: GetOptions): HelmError {
  return new HelmError(
    'TooLarge',
    `${options.what} at ${redactHelmUrl(url)} is larger than the limit of ${options.maxBytes} bytes`,
  );
}

function networkError(error: unknown, url: string, options: GetOptions, signal: AbortSignal): HelmError {
  const where = redactHelmUrl(url);
  if (signal.aborted) {
    return new HelmError(
      'Timeout',
      `${options.what}: ${where} did not answer within ${options.timeoutMs / 1000}s; raise spec.timeout if the server is slow`,
      { cause: error },
    );
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new HelmError(
      'Unreachable',
      `${options.what}: cannot resolve the host of ${where}: check spec.url`,
      {
        cause: error,
      },
    );
  if (['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code))
    return new HelmError(
      'Unreachable',
      `${options.what}: cannot connect to ${where} (${code}): is the repository server up and spec.url right?`,
      { cause: error },
    );
  if (/certificate|self.signed|SSL|TLS/i.test(code) || /certificate/i.test(message))
    return new HelmError(
      'Unreachable',
      `${options.what}: TLS verification of ${where} failed (${code || message}): put the server's CA in the "ca.crt" key of spec.certSecretRef`,
      { cause: error },
    );
  return new HelmError('Unreachable', `${options.what}: GET ${where} failed: ${message}`, { cause: error });
}
