import { errorMessage } from '@weft/runtime/errors';
import type { HttpClient } from 'isomorphic-git';
import { credentialKeys, type GitAuth } from './auth.ts';
import { GitError, redactGitUrl } from './errors.ts';
import { createHttpClient } from './http-client.ts';
import type { ByteBudget } from './limits.ts';
import { parseSshUrl, SshHttpClient, sshBridgeUrl } from './ssh-transport.ts';

export interface RemoteOptions {
  /** `http(s)://…` or `ssh://user@host[:port]/path`. */
  url: string;
  auth?: GitAuth;
  signal?: AbortSignal;
  budget?: ByteBudget;
}

/** A Git remote as isomorphic-git sees it: the URL to give it and the HTTP plugin that reaches it. */
export class Remote {
  /** The URL handed to isomorphic-git (a stand-in for ssh remotes). */
  readonly gitUrl: string;
  readonly http: HttpClient;
  /** The URL for messages: no credentials, no query. */
  readonly displayUrl: string;
  readonly #auth: GitAuth | undefined;
  readonly #ssh: SshHttpClient | undefined;

  constructor(options: RemoteOptions) {
    this.#auth = options.auth;
    this.displayUrl = redactGitUrl(options.url);
    const secretName = options.auth?.secretName ?? '<none>';
    if (options.url.startsWith('ssh://')) {
      const target = parseSshUrl(options.url);
      if (!options.auth?.ssh) {
        throw new GitError(
          'InvalidSecret',
          `${this.displayUrl} is an ssh URL: set spec.secretRef to a secret with "identity" and "known_hosts"`,
        );
      }
      this.#ssh = new SshHttpClient({
        target,
        auth: options.auth.ssh,
        secretName,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.budget === undefined ? {} : { budget: options.budget }),
      });
      this.http = this.#ssh;
      this.gitUrl = sshBridgeUrl;
      return;
    }
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch (cause) {
      throw new GitError('InvalidUrl', `invalid repository URL "${options.url}"`, { cause });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new GitError('InvalidUrl', `unsupported scheme in ${this.displayUrl}: use http, https or ssh`);
    }
    const headers: Record<string, string> = {};
    // Credentials in the URL are honoured like git does, but the secret is the supported way.
    let basic = options.auth?.basic;
    if (!basic && parsed.username !== '') {
      basic = {
        username: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
      };
    }
    parsed.username = '';
    parsed.password = '';
    if (basic) {
      headers.authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
    } else if (options.auth?.bearerToken !== undefined) {
      headers.authorization = `Bearer ${options.auth.bearerToken}`;
    }
    this.http = createHttpClient({
      headers,
      ...(options.auth?.caCert === undefined ? {} : { caCert: options.auth.caCert }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.budget === undefined ? {} : { budget: options.budget }),
    });
    this.gitUrl = parsed.toString().replace(/\/$/, '');
    this.#ssh = undefined;
  }

  /** Turns whatever isomorphic-git or a transport threw into a GitError. */
  translate(error: unknown): GitError {
    if (error instanceof GitError) return error;
    const code = (error as { code?: unknown }).code;
    const data = (error as { data?: { statusCode?: number; statusMessage?: string } }).data;
    const message = errorMessage(error);
    if (code === 'HttpError' && data?.statusCode !== undefined) {
      const status = data.statusCode;
      if (status === 401 || status === 403) {
        const keys = credentialKeys(this.#auth);
        const hint =
          keys === ''
            ? 'the server asks for credentials: set spec.secretRef to a secret with "username" and "password" (or "bearerToken")'
            : `check secret ${this.#auth?.secretName ?? ''} keys ${keys}`;
        return new GitError(
          'AuthenticationFailed',
          `authentication to ${this.displayUrl} failed (HTTP ${status}): ${hint}`,
          {
            cause: error,
            details: { status, secret: this.#auth?.secretName },
          },
        );
      }
      if (status === 404) {
        return new GitError(
          'RefNotFound',
          `repository ${this.displayUrl} not found (HTTP 404): check spec.url`,
          {
            cause: error,
            details: { status },
          },
        );
      }
      return new GitError(
        'GitOperationFailed',
        `${this.displayUrl} answered HTTP ${status} ${data.statusMessage ?? ''}`.trim(),
        {
          cause: error,
          details: { status },
        },
      );
    }
    if (code === 'NotFoundError') {
      return new GitError('RefNotFound', `${this.displayUrl}: ${message}`, { cause: error });
    }
    return new GitError('GitOperationFailed', `git operation on ${this.displayUrl} failed: ${message}`, {
      cause: error,
    });
  }

  close(): void {
    this.#ssh?.close();
  }
}
