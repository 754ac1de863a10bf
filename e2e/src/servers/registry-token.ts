/**
 * The token server of the distribution registry's `token` auth: the registry answers 401 with a
 * `Bearer realm=…,service=…,scope=…` challenge; the client asks this server (with basic auth) for
 * a token; the registry checks the token's ES256 signature against `rootcertbundle`, finding the
 * key by the libtrust key ID in the JWT's `kid`. Grants every action asked for to the one user.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { authenticatedUser, type BasicAuth } from './basic-auth.ts';
import { closeServer, listenOnLoopback, loopbackHost } from './loopback.ts';

export const tokenIssuer = 'weft-e2e-token-issuer';
export const tokenService = 'weft-e2e-registry';

/** libtrust's key ID: base32 of the first 240 bits of sha256(DER SPKI), in 4-character groups. */
export function libtrustKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const bits = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let text = '';
  let buffer = 0;
  let count = 0;
  for (const byte of bits) {
    buffer = (buffer << 8) | byte;
    count += 8;
    while (count >= 5) {
      text += alphabet[(buffer >> (count - 5)) & 31];
      count -= 5;
    }
  }
  return (text.match(/.{4}/g) ?? []).join(':');
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export class RegistryTokenServer {
  readonly #server: Server;
  readonly port: number;
  /** Token requests seen, as their `scope` parameter, so tests can check the scopes asked for. */
  readonly scopes: string[] = [];

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(auth: BasicAuth, keyPem: string, certPem: string): Promise<RegistryTokenServer> {
    const key = createPrivateKey(keyPem);
    const kid = libtrustKeyId(certPem);
    let instance: RegistryTokenServer | undefined;
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://token');
      const scope = url.searchParams.get('scope') ?? '';
      instance?.scopes.push(scope);
      if (!authenticatedUser(request, auth)) {
        response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      const access = scope
        .split(' ')
        .filter(Boolean)
        .map((one) => {
          const [type, name, actions] = one.split(':');
          return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
        });
      const now = Math.floor(Date.now() / 1000);
      const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', kid }));
      const claims = base64url(
        JSON.stringify({
          iss: tokenIssuer,
          sub: auth.username,
          aud: url.searchParams.get('service') ?? tokenService,
          exp: now + 300,
          nbf: now - 10,
          iat: now,
          jti: randomBytes(8).toString('hex'),
          access,
        }),
      );
      const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
        key,
        dsaEncoding: 'ieee-p1363',
      });
      response
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ token: `${header}.${claims}.${base64url(signature)}`, expires_in: 300 }));
    });
    const port = await listenOnLoopback(server);
    instance = new RegistryTokenServer(server, port);
    return instance;
  }

  get realm(): string {
    return `http://${loopbackHost}:${this.port}/token`;
  }

  stop(): Promise<void> {
    return closeServer(this.#server);
  }
}
