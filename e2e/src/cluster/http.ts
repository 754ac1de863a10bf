import { readFileSync } from 'node:fs';
import { request } from 'node:https';

/** What it takes to talk to the apiserver as one client-certificate identity. */
export interface ApiConnection {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function apiConnection(
  server: string,
  files: { ca: string; cert: string; key: string },
): ApiConnection {
  return { server, ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
}

export interface ApiResponse {
  status: number;
  body: string;
  json(): unknown;
}

/**
 * One request to the apiserver. The launcher needs only a handful (readiness, nodes), so it
 * speaks HTTPS directly rather than loading a client library before the cluster exists.
 */
export function apiRequest(
  connection: ApiConnection,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, connection.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        ca: connection.ca,
        cert: connection.cert,
        key: connection.key,
        timeout: timeoutMs,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as unknown });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
