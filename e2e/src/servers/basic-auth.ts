/** HTTP basic authentication, as the test servers check it and as clients send it. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BasicAuth {
  username: string;
  password: string;
}

/** The `Authorization` header value for `auth`. */
export function basicAuthHeader(auth: BasicAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The user name when the request carries the expected credentials, otherwise `undefined`. */
export function authenticatedUser(request: IncomingMessage, expected: BasicAuth): string | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // Evaluate both comparisons so a wrong user name and a wrong password take the same path.
  const userMatches = sameText(username, expected.username);
  const passwordMatches = sameText(password, expected.password);
  return userMatches && passwordMatches ? username : undefined;
}

/** Answers 401 with a Basic challenge, as a real server does for missing or wrong credentials. */
export function rejectUnauthorized(response: ServerResponse, realm: string): void {
  response.writeHead(401, {
    'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"`,
    'Content-Type': 'text/plain; charset=utf-8',
  });
  response.end('authentication required\n');
}
