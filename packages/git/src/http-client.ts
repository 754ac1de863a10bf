import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errorMessage } from '@weft/runtime/errors';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { GitError, redactGitUrl } from './errors.ts';
import type { ByteBudget } from './limits.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const { request: httpRequest } = process.getBuiltinModule('node:http');

export interface HttpClientOptions {
  /** Extra headers on every request (Authorization). */
  headers?: Record<string, string>;
  /** PEM CA bundle trusted in addition to nothing else (replaces the system roots, as git's http.sslCAInfo). */
  caCert?: string;
  signal?: AbortSignal;
  /** Counts response bytes; throws TooLarge past its cap. */
  budget?: ByteBudget;
}

/**
 * isomorphic-git's HTTP plugin over node:http/https, so that a private CA (`ca.crt`), an abort
 * signal and a byte cap apply to every request it makes.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const chunks: Uint8Array[] = [];
      if (req.body) for await (const chunk of req.body) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      const url = new URL(req.url);
      const headers: Record<string, string> = { ...req.headers, ...options.headers };
      if (req.method === 'POST') headers['content-length'] = String(body.length);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = send(url, {
          method: req.method ?? 'GET',
          headers,
          ...(options.caCert === undefined ? {} : { ca: options.caCert }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        outgoing.on('response', resolve);
        outgoing.on('error', (error) => reject(translateNetworkError(error, req.url, options.signal)));
        outgoing.end(body);
      });
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return {
        url: req.url,
        method: req.method ?? 'GET',
        statusCode: response.statusCode ?? 0,
        statusMessage: response.statusMessage ?? '',
        headers: responseHeaders,
        body: countedBody(response, req.url, options),
      };
    },
  };
}

async function* countedBody(
  response: IncomingMessage,
  url: string,
  options: HttpClientOptions,
): AsyncIterableIterator<Uint8Array> {
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      options.budget?.add(chunk.length);
      yield chunk;
    }
  } catch (error) {
    response.destroy();
    if (error instanceof GitError) throw error;
    throw translateNetworkError(error, url, options.signal);
  }
}

/** Node's network errors as GitErrors a user can act on. */
export function translateNetworkError(
  error: unknown,
  url: string,
  signal: AbortSignal | undefined,
): GitError {
  const where = redactGitUrl(url);
  if (signal?.aborted) {
    return new GitError(
      'Timeout',
      `timed out talking to ${where}; raise spec.timeout if the server is slow`,
      {
        cause: error,
      },
    );
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = errorMessage(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new GitError('Unreachable', `cannot resolve the host of ${where}: check spec.url`, {
      cause: error,
    });
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new GitError('Unreachable', `cannot connect to ${where} (${code}): is the server up?`, {
      cause: error,
    });
  }
  if (/certificate|self.signed|SSL|TLS/i.test(code) || /certificate/i.test(message)) {
    return new GitError(
      'Unreachable',
      `TLS verification of ${where} failed (${code || message}): put the server's CA in the secret's "ca.crt"`,
      { cause: error },
    );
  }
  return new GitError('GitOperationFailed', `request to ${where} failed: ${message}`, { cause: error });
}
