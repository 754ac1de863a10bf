/**
 * The distribution API's authentication, as a registry's challenge asks: `Basic` sends the
 * credentials, `Bearer` trades them (or nothing, for anonymous pulls) at the token endpoint for a
 * token per repository and actions, kept for the client's lifetime. Errors name the registry and
 * whether credentials were given, never the credentials or the token.
 */
import { parseChallenge } from './challenge.ts';
import type { Credentials } from './credentials.ts';
import { OciError } from './errors.ts';
import { type HttpResponse, readLimited, redact, type Transport } from './transport.ts';

export type Action = 'pull' | 'push';

export type ExpectStatus = (
  response: HttpResponse,
  expected: readonly number[],
  what: string,
) => Promise<void>;

/** Token responses are small; anything bigger is not one. */
const maxTokenBody = 1024 * 1024;

export class RegistryAuth {
  readonly #registry: string;
  readonly #credentials: Credentials | undefined;
  readonly #transport: Transport;
  readonly #userAgent: string;
  readonly #signal: AbortSignal | undefined;
  readonly #expect: ExpectStatus;
  /** `repository|actions` → Authorization header value. */
  readonly #authorization = new Map<string, string>();
  #basicChallenged = false;

  constructor(options: {
    registry: string;
    credentials: Credentials | undefined;
    transport: Transport;
    userAgent: string;
    signal: AbortSignal | undefined;
    /** Throws the client's error for an unexpected status (reading the registry's error body). */
    expect: ExpectStatus;
  }) {
    this.#registry = options.registry;
    this.#credentials = options.credentials;
    this.#transport = options.transport;
    this.#userAgent = options.userAgent;
    this.#signal = options.signal;
    this.#expect = options.expect;
  }

  /** The Authorization header for a request, once a challenge told which one; else undefined. */
  header(repository: string, actions: readonly Action[]): string | undefined {
    return this.#authorization.get(key(repository, actions)) ?? this.#basic();
  }

  /** Answers a 401's `WWW-Authenticate` challenge: the header to retry with (kept for later requests). */
  async answer(wwwAuthenticate: string, repository: string, actions: readonly Action[]): Promise<string> {
    const challenge = parseChallenge(wwwAuthenticate);
    const scheme = challenge?.scheme.toLowerCase();
    let authorization: string;
    if (scheme === 'basic') {
      if (!this.#credentials) throw this.unauthorized(401, 'it asks for credentials and none were given');
      this.#basicChallenged = true;
      authorization = this.#basic() as string;
    } else if (scheme === 'bearer' && challenge?.params.realm) {
      authorization = await this.#token(
        challenge.params.realm,
        challenge.params.service,
        repository,
        actions,
      );
    } else {
      throw this.unauthorized(401, 'it sent no usable WWW-Authenticate challenge');
    }
    this.#authorization.set(key(repository, actions), authorization);
    return authorization;
  }

  unauthorized(status: number, why?: string): OciError {
    const given = this.#credentials ? 'with the given credentials' : 'anonymously';
    return new OciError(
      'Unauthorized',
      `authentication to ${this.#registry} failed ${given} (HTTP ${status})${why ? `: ${why}` : ''}`,
      { status },
    );
  }

  #basic(): string | undefined {
    const credentials = this.#credentials;
    if (!this.#basicChallenged || !credentials) return undefined;
    return basicHeader(credentials);
  }

  async #token(
    realmUrl: string,
    service: string | undefined,
    repository: string,
    actions: readonly Action[],
  ): Promise<string> {
    const realm = new URL(realmUrl);
    if (service) realm.searchParams.set('service', service);
    realm.searchParams.set('scope', `repository:${repository}:${actions.join(',')}`);
    const headers: Record<string, string> = { 'User-Agent': this.#userAgent };
    if (this.#credentials) headers.Authorization = basicHeader(this.#credentials);
    const where = redact(realm);
    const response = await this.#transport.send({ method: 'GET', url: realm, headers, signal: this.#signal });
    if (response.status === 401 || response.status === 403) {
      response.body.resume();
      throw this.unauthorized(response.status, `the token endpoint ${where} refused the credentials`);
    }
    await this.#expect(response, [200], `token from ${where}`);
    const body = await readLimited(response.body, maxTokenBody, `token from ${where}`);
    let token: unknown;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '')
      throw new OciError('Unauthorized', `the token endpoint ${where} answered without a token`);
    return `Bearer ${token}`;
  }
}

function key(repository: string, actions: readonly Action[]): string {
  return `${repository}|${actions.join(',')}`;
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
