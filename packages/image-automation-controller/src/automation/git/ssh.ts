/**
 * Git over SSH for isomorphic-git, which only speaks HTTP: an HTTP plugin whose requests run
 * `git-upload-pack` (clone, fetch) or `git-receive-pack` (push) in channels of one ssh2
 * connection. The ref advertisement a smart-HTTP GET returns is what the command prints first;
 * a POST skips that advertisement, writes the request body and returns what follows. The
 * server's host key must be in the secret's known_hosts. Why not the system `git`: the
 * controller image has no git, no ssh and no shell (docs/design/0019-image-automation-git.md).
 */
import { createHmac } from 'node:crypto';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { type ClientChannel, Client as SshClient } from 'ssh2';
import { AutomationGitError } from './errors.ts';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  path: string;
}

/** isomorphic-git is given this URL for an ssh remote; the transport answers its requests. */
export const sshBridgeUrl = 'http://ssh.invalid/repository';

/** `ssh://user@host:port/path` (and scp-like `user@host:path`, as git accepts). */
export function parseSshUrl(url: string): SshTarget {
  const scp = /^([^@/]+)@([^:/]+):(?!\/)(.+)$/.exec(url);
  if (scp) return { username: scp[1] as string, host: scp[2] as string, port: 22, path: scp[3] as string };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new AutomationGitError('GitOperationFailed', `invalid ssh URL "${url}"`, { cause });
  }
  if (parsed.protocol !== 'ssh:' || parsed.hostname === '') {
    throw new AutomationGitError(
      'GitOperationFailed',
      `invalid ssh URL "${url}": want ssh://user@host[:port]/path`,
    );
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 22 : Number(parsed.port),
    username: parsed.username === '' ? 'git' : decodeURIComponent(parsed.username),
    path: decodeURIComponent(parsed.pathname),
  };
}

/** known_hosts' name for a host: `host` on port 22, `[host]:port` otherwise. */
const hostName = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

/** The key blobs known_hosts accepts for the host (plain, wildcard and hashed names; not @revoked). */
export function acceptedHostKeys(knownHosts: string, host: string, port: number): Buffer[] {
  const name = hostName(host, port);
  const keys: Buffer[] = [];
  for (const raw of knownHosts.split(/\r?\n/)) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]?.startsWith('#')) continue;
    if (fields[0]?.startsWith('@')) continue; // @revoked and @cert-authority keys are never trusted
    const [hosts, , base64] = fields;
    if (hosts === undefined || base64 === undefined) continue;
    if (hostsMatch(hosts, name)) keys.push(Buffer.from(base64, 'base64'));
  }
  return keys;
}

function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    const regex = new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.')}$`,
    );
    if (regex.test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export interface SshTransportOptions {
  target: SshTarget;
  identity: string;
  passphrase?: string;
  knownHosts: string;
  /** `<namespace>/<name>` of the secret, for messages. */
  secretName: string;
  signal?: AbortSignal;
}

const services = new Set(['git-upload-pack', 'git-receive-pack']);

export class SshTransport implements HttpClient {
  readonly #options: SshTransportOptions;
  #connection: Promise<SshClient> | undefined;

  constructor(options: SshTransportOptions) {
    this.#options = options;
  }

  get #where(): string {
    const { host, port, path } = this.#options.target;
    return `ssh://${hostName(host, port)}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  request = async (req: GitHttpRequest): Promise<GitHttpResponse> => {
    const url = new URL(req.url);
    const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
    if (!services.has(service)) {
      throw new AutomationGitError('GitOperationFailed', `unexpected git request over ssh: ${service}`);
    }
    const v2 =
      service === 'git-upload-pack' &&
      (req.headers?.['git-protocol'] ?? req.headers?.['Git-Protocol'] ?? '').includes('version=2');
    const channel = await this.#exec(service, v2);
    const reader = new PktReader(channel);
    const advertisement = await reader.untilFlush(this.#where);
    const kind = service.slice('git-'.length);
    if (req.method !== 'POST') {
      channel.end();
      const line = `# service=${service}\n`;
      const head = v2
        ? Buffer.alloc(0)
        : Buffer.from(`${(line.length + 4).toString(16).padStart(4, '0')}${line}0000`);
      return respond(
        req,
        `application/x-${service}-advertisement`,
        single(Buffer.concat([head, advertisement])),
      );
    }
    if (req.body) for await (const chunk of req.body) channel.write(chunk);
    channel.end();
    return respond(req, `application/x-git-${kind}-result`, reader.rest());
  };

  close(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.then((client) => client.end()).catch(() => {});
  }

  async #exec(service: string, v2: boolean): Promise<ClientChannel> {
    this.#connection ??= this.#connect();
    const client = await this.#connection;
    const command = `${service} '${this.#options.target.path.replaceAll("'", "'\\''")}'`;
    return new Promise((resolve, reject) => {
      client.exec(command, v2 ? { env: { GIT_PROTOCOL: 'version=2' } } : {}, (error, channel) => {
        if (error)
          reject(
            new AutomationGitError(
              'GitOperationFailed',
              `ssh exec on ${this.#where} failed: ${error.message}`,
            ),
          );
        else resolve(channel);
      });
    });
  }

  #connect(): Promise<SshClient> {
    const { target, identity, passphrase, knownHosts, secretName, signal } = this.#options;
    const accepted = acceptedHostKeys(knownHosts, target.host, target.port);
    const where = hostName(target.host, target.port);
    if (accepted.length === 0) {
      return Promise.reject(
        new AutomationGitError(
          'HostKeyUnknown',
          `no host key for ${where} in secret ${secretName} key "known_hosts": add the server's key (ssh-keyscan -p ${target.port} ${target.host})`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const client = new SshClient();
      let hostKeyRejected = false;
      const onAbort = () => {
        client.end();
        reject(new AutomationGitError('GitOperationFailed', `aborted talking to ${where}`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      client.on('ready', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(client);
      });
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        signal?.removeEventListener('abort', onAbort);
        if (hostKeyRejected) {
          reject(
            new AutomationGitError(
              'HostKeyUnknown',
              `the host key of ${where} does not match secret ${secretName} key "known_hosts": refusing to connect`,
            ),
          );
        } else if (error.level === 'client-authentication') {
          reject(
            new AutomationGitError(
              'AuthenticationFailed',
              `${where} refused the key in secret ${secretName} key "identity"`,
            ),
          );
        } else if (/privateKey|private key|passphrase/i.test(error.message)) {
          reject(
            new AutomationGitError(
              'InvalidSecret',
              `secret ${secretName} key "identity" cannot be used: ${error.message}`,
            ),
          );
        } else {
          reject(
            new AutomationGitError(
              'Unreachable',
              `ssh connection to ${where} failed: ${error.code ?? error.message}`,
            ),
          );
        }
      });
      try {
        client.connect({
          host: target.host,
          port: target.port,
          username: target.username,
          privateKey: identity,
          ...(passphrase === undefined ? {} : { passphrase }),
          readyTimeout: 20_000,
          tryKeyboard: false,
          hostVerifier: (key: Buffer) => {
            const ok = accepted.some((known) => known.equals(key));
            if (!ok) hostKeyRejected = true;
            return ok;
          },
        });
      } catch (error) {
        signal?.removeEventListener('abort', onAbort);
        reject(
          new AutomationGitError(
            'InvalidSecret',
            `secret ${secretName} key "identity" cannot be used: ${(error as Error).message}`,
          ),
        );
      }
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

async function* single(buffer: Buffer): AsyncIterableIterator<Uint8Array> {
  yield buffer;
}

/** Reads a channel: pkt-lines up to the first flush, then the raw rest. */
class PktReader {
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #stderr: Buffer[] = [];
  #pending = Buffer.alloc(0);

  constructor(channel: ClientChannel) {
    channel.stderr.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    this.#chunks = (channel as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  async untilFlush(where: string): Promise<Buffer> {
    let offset = 0;
    for (;;) {
      while (this.#pending.length >= offset + 4) {
        const length = Number.parseInt(this.#pending.subarray(offset, offset + 4).toString('latin1'), 16);
        if (Number.isNaN(length))
          throw new AutomationGitError('GitOperationFailed', `${where} does not speak the git protocol`);
        if (length === 0) {
          const head = this.#pending.subarray(0, offset + 4);
          this.#pending = this.#pending.subarray(offset + 4);
          return head;
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
      const next = await this.#chunks.next();
      if (next.done) {
        const stderr = Buffer.concat(this.#stderr).toString('utf8').trim();
        throw remoteError(where, stderr || 'the server closed the connection before advertising refs');
      }
      this.#pending = Buffer.concat([this.#pending, next.value]);
    }
  }

  async *rest(): AsyncIterableIterator<Uint8Array> {
    if (this.#pending.length > 0) yield this.#pending;
    this.#pending = Buffer.alloc(0);
    for (;;) {
      const next = await this.#chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }
}

function remoteError(where: string, message: string): AutomationGitError {
  if (/not appear to be a git repository|does not exist|not found/i.test(message)) {
    return new AutomationGitError('RefNotFound', `repository ${where} not found: ${message}`);
  }
  return new AutomationGitError('GitOperationFailed', `${where}: ${message}`);
}
