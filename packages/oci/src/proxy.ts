/**
 * An HTTP proxy between a client and a registry or S3 endpoint (Flux's `spec.proxySecretRef`):
 * plain HTTP requests go to the proxy in absolute form, HTTPS goes through a `CONNECT` tunnel
 * with TLS end to end, so the proxy sees neither the registry's credentials nor the content.
 * The proxy's own credentials go in `Proxy-Authorization` and never into a message.
 */
import { isIP, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { OciError } from './errors.ts';
import type { TlsOptions } from './transport.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const { request: httpRequest } = process.getBuiltinModule('node:http');

export interface HttpProxy {
  /** `http://host:port` (no user info: the credentials are below). */
  url: URL;
  username?: string | undefined;
  password?: string | undefined;
}

/**
 * A proxy from Flux's proxy Secret: `address` (required, an http URL), `username` and
 * `password` (both or neither). Errors name the Secret, never its values.
 */
export function proxyFromSecret(data: Record<string, string>, secretName: string): HttpProxy {
  const address = data.address?.trim();
  if (!address) throw new OciError('InvalidCredentials', `secret ${secretName} has no "address" of a proxy`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new OciError('InvalidCredentials', `secret ${secretName}: "address" is not a URL`);
  }
  if (url.protocol !== 'http:')
    throw new OciError(
      'InvalidCredentials',
      `secret ${secretName}: the proxy "address" must be an http:// URL (${url.protocol} proxies are not supported)`,
    );
  const username = data.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = data.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  if ((username === undefined) !== (password === undefined))
    throw new OciError(
      'InvalidCredentials',
      `secret ${secretName} must hold both username and password, or neither`,
    );
  url.username = '';
  url.password = '';
  return { url, username, password };
}

export function proxyHeaders(proxy: HttpProxy): Record<string, string> {
  if (proxy.username === undefined) return {};
  const token = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64');
  return { 'Proxy-Authorization': `Basic ${token}` };
}

/** Opens a CONNECT tunnel to `target`'s host through the proxy and starts TLS over it. */
export function tunnelThrough(
  proxy: HttpProxy,
  target: URL,
  tls: TlsOptions | undefined,
  signal: AbortSignal | undefined,
): Promise<TLSSocket> {
  const authority = `${target.hostname.replace(/^\[|\]$/g, '')}:${target.port || 443}`;
  return new Promise((resolve, reject) => {
    const connect = httpRequest(proxy.url, {
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...proxyHeaders(proxy) },
      ...(signal ? { signal } : {}),
    });
    connect.once('connect', (response, socket: Socket) => {
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        socket.destroy();
        reject(proxyRefused(proxy, status, authority));
        return;
      }
      const host = target.hostname.replace(/^\[|\]$/g, '');
      const secure = tlsConnect({
        socket,
        // SNI takes names only; the certificate is checked against the host either way.
        ...(isIP(host) ? { host } : { servername: host, host }),
        ...(tls?.ca ? { ca: tls.ca } : {}),
        ...(tls?.cert ? { cert: tls.cert } : {}),
        ...(tls?.key ? { key: tls.key } : {}),
      });
      secure.once('secureConnect', () => resolve(secure));
      secure.once('error', (cause) =>
        reject(
          new OciError('Network', `TLS to ${authority} through proxy ${proxy.url.host}: ${cause.message}`, {
            cause,
          }),
        ),
      );
    });
    connect.once('error', (cause) =>
      reject(new OciError('Network', `proxy ${proxy.url.host}: ${cause.message}`, { cause })),
    );
    connect.end();
  });
}

/**
 * The proxy said no: 407 (or 401, which tinyproxy sends for wrong credentials) is its
 * authentication, anything else its refusal to connect.
 */
export function proxyRefused(proxy: HttpProxy, status: number, authority: string): OciError {
  const given = proxy.username === undefined ? 'without credentials' : 'with the given credentials';
  return status === 407 || status === 401
    ? new OciError(
        'Unauthorized',
        `the proxy ${proxy.url.host} refused the request ${given} (HTTP ${status})`,
        {
          status,
        },
      )
    : new OciError(
        'Network',
        `the proxy ${proxy.url.host} refused to connect to ${authority} (HTTP ${status})`,
        {
          status,
        },
      );
}
