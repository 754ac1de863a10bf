import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { ClientChannel, Client as SshClient } from 'ssh2';
import type { SshAuth } from './auth.ts';
import { GitError } from './errors.ts';
import { hostKeyAlgorithms, knownHostKeys, knownHostName } from './known-hosts.ts';
import type { ByteBudget } from './limits.ts';

/** Where `ssh://user@host:port/path` points. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  path: string;
}

/** The URL isomorphic-git is given for an ssh remote; the SSH client answers its requests. */
export const sshBridgeUrl = 'http://ssh-bridge.invalid/repository';

export function parseSshUrl(url: string): SshTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new GitError('InvalidUrl', `invalid ssh URL "${url}"`, { cause });
  }
  if (parsed.protocol !== 'ssh:' || parsed.hostname === '') {
    throw new GitError('InvalidUrl', `invalid ssh URL "${url}": want ssh://user@host[:port]/path`);
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 22 : Number(parsed.port),
    username: parsed.username === '' ? 'git' : decodeURIComponent(parsed.username),
    path: decodeURIComponent(parsed.pathname),
  };
}

export interface SshHttpClientOptions {
  target: SshTarget;
  auth: SshAuth;
  /** For messages: the secret holding the identity and known_hosts. */
  secretName: string;
  signal?: AbortSignal;
  budget?: ByteBudget;
  /** How long the SSH handshake may take; default 20 s. */
  readyTimeoutMs?: number;
}

/** The commands a smart-HTTP request maps to: fetch (upload-pack) and push (receive-pack). */
const services = new Set(['git-upload-pack', 'git-receive-pack']);

/**
 * An isomorphic-git HTTP plugin that speaks Git over SSH: each request runs `git-upload-pack`
 * (clone, fetch) or `git-receive-pack` (push) in a new channel of one SSH connection. The ref
 * advertisement (GET info/refs) is what the command prints first; a POST skips that
 * advertisement, writes the request body (the same pkt-lines smart HTTP posts) and returns what
 * follows. The host key must be in known_hosts; an unknown key refuses the connection. Why not
 * the system `git`: the controller images have no git, no ssh and no shell.
 */
export class SshHttpClient implements HttpClient {
  readonly #options: SshHttpClientOptions;
  #connection: Promise<SshClient> | undefined;

  constructor(options: SshHttpClientOptions) {
    this.#options = options;
  }

  request = async (req: GitHttpRequest): Promise<GitHttpResponse> => {
    const url = new URL(req.url);
    const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
    if (!services.has(service)) {
      throw new GitError('GitOperationFailed', `unexpected git request over ssh: ${service}`);
    }
    // Protocol v2 exists for fetching only.
    const v2 =
      service === 'git-upload-pack' &&
      (req.headers?.['git-protocol'] ?? req.headers?.['Git-Protocol'] ?? '').includes('version=2');
    const channel = await this.#exec(service, v2);
    const reader = new PktReader(channel, this.#options.budget);
    const advertisement = await reader.readUntilFlush(this.#describe());
    if (req.method === 'GET') {
      channel.end();
      channel.close();
      const line = `# service=${service}\n`;
      const head = v2
        ? Buffer.alloc(0)
        : Buffer.from(`${(line.length + 4).toString(16).padStart(4, '0')}${line}0000`);
      return respond(
        req,
        `application/x-${service}-advertisement`,
        oneChunk(Buffer.concat([head, advertisement])),
      );
    }
    if (req.body) for await (const chunk of req.body) channel.write(chunk);
    channel.end();
    return respond(req, `application/x-${service}-result`, reader.rest());
  };

  close(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.then((client) => client.end()).catch(() => {});
  }

  #describe(): string {
    const { host, port, path } = this.#options.target;
    return `ssh://${knownHostName(host, port)}${path}`;
  }

  async #exec(service: string, v2: boolean): Promise<ClientChannel> {
    const client = await this.#connect();
    const command = `${service} '${this.#options.target.path.replaceAll("'", "'\\''")}'`;
    return new Promise((resolve, reject) => {
      client.exec(command, v2 ? { env: { GIT_PROTOCOL: 'version=2' } } : {}, (error, channel) => {
        if (error)
          reject(
            new GitError('GitOperationFailed', `ssh exec on ${this.#describe()} failed: ${error.message}`, {
              cause: error,
            }),
          );
        else resolve(channel);
      });
    });
  }

  #connect(): Promise<SshClient> {
    this.#connection ??= this.#open();
    return this.#connection;
  }

  #open(): Promise<SshClient> {
    const { target, auth, secretName } = this.#options;
    const where = knownHostName(target.host, target.port);
    const { accepted, revoked } = knownHostKeys(auth.knownHosts, target.host, target.port);
    if (accepted.length === 0) {
      return Promise.reject(
        new GitError(
          'HostKeyUnknown',
          `no host key for ${where} in secret ${secretName} key "known_hosts": add the server's key (ssh-keyscan -p ${target.port} ${target.host})`,
          { details: { secret: secretName, key: 'known_hosts', host: where } },
        ),
      );
    }
    // ssh2 (with its native cpu-features addon, ~1 MiB of source) is loaded on the first SSH
    // connection, not at start: most installations never use an SSH remote.
    return import('ssh2').then(({ Client }) => this.#handshake(new Client(), where, accepted, revoked));
  }

  #handshake(
    client: SshClient,
    where: string,
    accepted: ReturnType<typeof knownHostKeys>['accepted'],
    revoked: ReturnType<typeof knownHostKeys>['revoked'],
  ): Promise<SshClient> {
    const { target, auth, signal } = this.#options;
    return new Promise((resolve, reject) => {
      let hostKeyRejected = false;
      const onAbort = () => {
        client.end();
        reject(
          new GitError(
            'Timeout',
            `timed out talking to ${this.#describe()}; raise spec.timeout if the server is slow`,
          ),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      client.on('ready', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(client);
      });
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        signal?.removeEventListener('abort', onAbort);
        reject(this.#translate(error, hostKeyRejected, where));
      });
      try {
        client.connect({
          host: target.host,
          port: target.port,
          username: target.username,
          privateKey: auth.identity,
          ...(auth.passphrase === undefined ? {} : { passphrase: auth.passphrase }),
          readyTimeout: this.#options.readyTimeoutMs ?? 20_000,
          tryKeyboard: false,
          algorithms: { serverHostKey: hostKeyAlgorithms(accepted.map((key) => key.type)) as never },
          hostVerifier: (key: Buffer) => {
            const ok =
              !revoked.some((bad) => bad.equals(key)) && accepted.some((known) => known.key.equals(key));
            if (!ok) hostKeyRejected = true;
            return ok;
          },
        });
      } catch (error) {
        signal?.removeEventListener('abort', onAbort);
        reject(this.#translate(error as Error, false, where));
      }
    });
  }

  #translate(
    error: Error & { level?: string; code?: string },
    hostKeyRejected: boolean,
    where: string,
  ): GitError {
    const secretName = this.#options.secretName;
    if (hostKeyRejected) {
      return new GitError(
        'HostKeyUnknown',
        `the host key of ${where} does not match secret ${secretName} key "known_hosts": refusing to connect (update known_hosts if the server's key changed)`,
        { cause: error, details: { secret: secretName, key: 'known_hosts', host: where } },
      );
    }
    if (/privateKey|private key|passphrase/i.test(error.message)) {
      const key = /passphrase/i.test(error.message) ? 'password' : 'identity';
      return new GitError(
        'InvalidSecret',
        `secret ${secretName} key "${key}" cannot be used: ${error.message}`,
        {
          cause: error,
          details: { secret: secretName, key },
        },
      );
    }
    if (error.level === 'client-authentication') {
      return new GitError(
        'AuthenticationFailed',
        `${where} refused the key in secret ${secretName} key "identity": authentication failed`,
        { cause: error, details: { secret: secretName, key: 'identity' } },
      );
    }
    if (error.level === 'client-timeout') {
      return new GitError('Timeout', `ssh handshake with ${where} timed out`, { cause: error });
    }
    if (
      error.code === 'ECONNREFUSED' ||
      error.code === 'ENOTFOUND' ||
      error.code === 'EHOSTUNREACH' ||
      error.code === 'ECONNRESET'
    ) {
      return new GitError('Unreachable', `cannot connect to ${where} (${error.code}): is the server up?`, {
        cause: error,
      });
    }
    return new GitError('GitOperationFailed', `ssh connection to ${where} failed: ${error.message}`, {
      cause: error,
    });
  }
}

function respond(
  req: GitHttpRequest,
  contentType: string,
  body: AsyncIterableIterator<Uint8Array>,
): GitHttpResponse {
  return {
    url: req.url,
    method: req.method ?? 'GET',
    statusCode: 200,
    statusMessage: 'OK',
    headers: { 'content-type': contentType },
    body,
  };
}

async function* oneChunk(buffer: Buffer): AsyncIterableIterator<Uint8Array> {
  yield buffer;
}

/** Reads pkt-lines from a channel: the advertisement up to the first flush, then the raw rest. */
class PktReader {
  readonly #budget: ByteBudget | undefined;
  readonly #iterator: AsyncIterator<Buffer>;
  readonly #stderr: Buffer[] = [];
  #pending = Buffer.alloc(0);

  constructor(channel: ClientChannel, budget: ByteBudget | undefined) {
    this.#budget = budget;
    channel.stderr.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    this.#iterator = (channel as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  async #more(): Promise<boolean> {
    const next = await this.#iterator.next();
    if (next.done) return false;
    this.#budget?.add(next.value.length);
    this.#pending = Buffer.concat([this.#pending, next.value]);
    return true;
  }

  /** The bytes up to and including the first flush-pkt. */
  async readUntilFlush(where: string): Promise<Buffer> {
    let offset = 0;
    for (;;) {
      while (this.#pending.length >= offset + 4) {
        const length = Number.parseInt(this.#pending.subarray(offset, offset + 4).toString('latin1'), 16);
        if (Number.isNaN(length))
          throw new GitError('GitOperationFailed', `${where} sent something that is not the git protocol`);
        if (length === 0) {
          const advertisement = this.#pending.subarray(0, offset + 4);
          this.#pending = this.#pending.subarray(offset + 4);
          return advertisement;
        }
        if (length < 4) {
          offset += 4;
          continue;
        }
        if (this.#pending.length < offset + length) break;
        const line = this.#pending.subarray(offset + 4, offset + length).toString('utf8');
        if (line.startsWith('ERR ')) throw remoteError(where, line.slice(4).trim());
        offset += length;
      }
      if (!(await this.#more())) {
        const stderr = Buffer.concat(this.#stderr).toString('utf8').trim();
        throw remoteError(where, stderr || 'the server closed the connection before advertising refs');
      }
    }
  }

  /** Everything after what was read so far, until the channel closes. */
  async *rest(): AsyncIterableIterator<Uint8Array> {
    if (this.#pending.length > 0) yield this.#pending;
    this.#pending = Buffer.alloc(0);
    for (;;) {
      const next = await this.#iterator.next();
      if (next.done) return;
      this.#budget?.add(next.value.length);
      yield next.value;
    }
  }
}

function remoteError(where: string, message: string): GitError {
  if (/not appear to be a git repository|does not exist|not found/i.test(message)) {
    return new GitError('RefNotFound', `repository ${where} not found: ${message}`);
  }
  return new GitError('GitOperationFailed', `${where}: ${message}`);
}
