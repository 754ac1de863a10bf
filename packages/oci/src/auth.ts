/**
 * The distribution API's authentication, as a registry's challenge asks: `Basic` sends the
 * credentials, `Bearer` trades them (or nothing, for anonymous pulls) at the token endpoint for a
 * token per repository and actions. What a challenge gave is kept in a TokenCache, for the
 * client's lifetime or, when clients share one, across clients: a controller's next reconcile
 * of the same repository then costs one request, not a 401, a token exchange and a retry.
 * Errors name the registry and whether credentials were given, never the credentials or the token.
 */
import { createHash } from 'node:crypto';
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
/** The distribution spec's default token lifetime, when the response gives no `expires_in`. */
const defaultTokenSeconds = 60;
/** How long a Basic answer is remembered (credentials do not expire; a Secret may change). */
const basicTtlMs = 10 * 60_000;

/**
 * Authorization headers by registry, credentials, repository and actions, until they expire.
 * The credentials are part of the key (as a hash), so a client with other credentials, or none,
 * never sends another's token. Bounded: the least recently used entries go first.
 */
export class TokenCache {
  readonly #entries = new Map<string, { authorization: string; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 1024;
    this.#now = options.now ?? Date.now;
  }

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.authorization;
  }

  set(key: string, authorization: string, ttlMs: number): void {
    this.#entries.delete(key);
    if (ttlMs <= 0) return;
    this.#entries.set(key, { authorization, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

export class RegistryAuth {
  readonly #registry: string;
  readonly #credentials: Credentials | undefined;
  readonly #transport: Transport;
  readonly #userAgent: string;
  readonly #signal: AbortSignal | undefined;
  readonly #expect: ExpectStatus;
  readonly #tokens: TokenCache;
  /** `registry|hash of the credentials`: the first part of every cache key of this client. */
  readonly #identity: string;

  constructor(options: {
    registry: string;
    credentials: Credentials | undefined;
    transport: Transport;
    userAgent: string;
    signal: AbortSignal | undefined;
    /** Throws the client's error for an unexpected status (reading the registry's error body). */
    expect: ExpectStatus;
    /** Shared between clients to keep tokens across them; default one for this client alone. */
    tokens?: TokenCache | undefined;
  }) {
    this.#registry = options.registry;
    this.#credentials = options.credentials;
    this.#transport = options.transport;
    this.#userAgent = options.userAgent;
    this.#signal = options.signal;
    this.#expect = options.expect;
    this.#tokens = options.tokens ?? new TokenCache();
    const credentials = options.credentials;
    const who = credentials
      ? createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('hex')
      : 'anonymous';
    this.#identity = `${options.registry}|${who}`;
  }

  /** The Authorization header for a request, once a challenge told which one; else undefined. */
  header(repository: string, actions: readonly Action[]): string | undefined {
    return this.#tokens.get(this.#key(repository, actions)) ?? this.#tokens.get(this.#basicKey());
  }

  /** Forgets what was sent for a request the registry refused anyway (an expired token). */
  forget(repository: string, actions: readonly Action[]): void {
    this.#tokens.delete(this.#key(repository, actions));
  }

  /** Answers a 401's `WWW-Authenticate` challenge: the header to retry with (kept for later requests). */
  async answer(wwwAuthenticate: string, repository: string, actions: readonly Action[]): Promise<string> {
    const challenge = parseChallenge(wwwAuthenticate);
    const scheme = challenge?.scheme.toLowerCase();
    let authorization: string;
    if (scheme === 'basic') {
      if (!this.#credentials) throw this.unauthorized(401, 'it asks for credentials and none were given');
      authorization = basicHeader(this.#credentials);
      this.#tokens.set(this.#basicKey(), authorization, basicTtlMs);
    } else if (scheme === 'bearer' && challenge?.params.realm) {
      const token = await this.#token(challenge.params.realm, challenge.params.service, repository, actions);
      authorization = token.authorization;
      this.#tokens.set(this.#key(repository, actions), authorization, token.ttlMs);
    } else {
      throw this.unauthorized(401, 'it sent no usable WWW-Authenticate challenge');
    }
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

  #key(repository: string, actions: readonly Action[]): string {
    return `${this.#identity}|${repository}|${actions.join(',')}`;
  }

  #basicKey(): string {
    return `${this.#identity}|basic`;
  }

  async #token(
    realmUrl: string,
    service: string | undefined,
    repository: string,
    actions: readonly Action[],
  ): Promise<{ authorization: string; ttlMs: number }> {
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
    let expiresIn: unknown;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as {
        token?: unknown;
        access_token?: unknown;
        expires_in?: unknown;
      };
      token = parsed.token ?? parsed.access_token;
      expiresIn = parsed.expires_in;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '')
      throw new OciError('Unauthorized', `the token endpoint ${where} answered without a token`);
    const seconds = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : defaultTokenSeconds;
    // Used until a little before it expires, so a request never leaves with a token about to lapse.
    return { authorization: `Bearer ${token}`, ttlMs: Math.max(0, seconds - 10) * 1000 };
  }
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
