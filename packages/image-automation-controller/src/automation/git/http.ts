/**
 * isomorphic-git's HTTP plugin over node:http/https, so the GitRepository's CA (`ca.crt`), its
 * bearer token and the reconcile's abort signal apply to every request of a clone or a push.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { AutomationGitError, redactUrl } from './errors.ts';

export interface HttpTransportOptions {
  headers?: Record<string, string>;
  caCert?: string;
  signal?: AbortSignal;
}

export function httpTransport(options: HttpTransportOptions): HttpClient {
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
        outgoing.on('error', (error: NodeJS.ErrnoException) =>
          reject(
            new AutomationGitError(
              options.signal?.aborted ? 'GitOperationFailed' : 'Unreachable',
              `request to ${redactUrl(req.url)} failed: ${error.code ?? error.message}`,
              { cause: error },
            ),
          ),
        );
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
        body: (response as AsyncIterable<Uint8Array>)[
          Symbol.asyncIterator
        ]() as AsyncIterableIterator<Uint8Array>,
      };
    },
  };
}
