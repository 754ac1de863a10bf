/**
 * An OCI registry on loopback: Debian's `docker-registry` (CNCF distribution v2) with filesystem
 * storage in a temp directory, deletes enabled, and optional htpasswd (bcrypt) authentication.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { generateCertificates } from '../cluster/certs.ts';
import { freePort } from '../cluster/ports.ts';
import { ManagedProcess } from '../cluster/process.ts';
import { type BasicAuth, basicAuthHeader } from './basic-auth.ts';
import { loopbackHost } from './loopback.ts';
import { makeTempDir, removeDir, run, sleep } from './process.ts';
import { RegistryTokenServer, tokenIssuer, tokenService } from './registry-token.ts';

export interface OciRegistryOptions {
  /** Require these credentials (HTTP basic, checked against a bcrypt htpasswd file). */
  auth?: BasicAuth;
  /** Path of the registry binary; default `/usr/bin/docker-registry` (Debian's docker-registry). */
  registryPath?: string;
  /** Log every request, so tests can count them with `requests()`. */
  accessLog?: boolean;
  /**
   * Bearer token auth instead of htpasswd: a token server on loopback hands out tokens for
   * `auth`'s credentials (the flow of Docker Hub, GHCR and most hosted registries).
   */
  tokenAuth?: boolean;
  /** HTTPS with a certificate of a throw-away CA (`caPem`); `mutual` also requires a client certificate. */
  tls?: 'server' | 'mutual';
}

/** PEM material of a TLS registry: the CA to trust, and a client certificate it accepts. */
export interface RegistryTls {
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** Starts a registry on a free loopback port and waits until `/v2/` answers. */
export async function startOciRegistry(options: OciRegistryOptions = {}): Promise<OciRegistry> {
  const registryPath = options.registryPath ?? '/usr/bin/docker-registry';
  if (!existsSync(registryPath)) {
    throw new Error(`${registryPath} not found: install Debian's docker-registry package`);
  }
  const dir = await makeTempDir('oci-registry');
  try {
    const storage = join(dir, 'storage');
    await mkdir(storage);
    let authConfig: string[] = [];
    let tokenServer: RegistryTokenServer | undefined;
    let tls: RegistryTls | undefined;
    let tlsConfig: string[] = [];
    if (options.tls || options.tokenAuth) {
      const certs = await generateCertificates(dir, { client: { user: 'weft-client', groups: [] } });
      const client = certs.clients.client;
      if (!client) throw new Error('no client certificate generated');
      tls = {
        caPem: await readFile(certs.caCert, 'utf8'),
        clientCertPem: await readFile(client.cert, 'utf8'),
        clientKeyPem: await readFile(client.key, 'utf8'),
      };
      if (options.tls) {
        tlsConfig = [
          '  tls:',
          `    certificate: ${JSON.stringify(certs.serverCert)}`,
          `    key: ${JSON.stringify(certs.serverKey)}`,
          ...(options.tls === 'mutual' ? ['    clientcas:', `      - ${JSON.stringify(certs.caCert)}`] : []),
        ];
      }
      if (options.tokenAuth) {
        if (!options.auth) throw new Error('tokenAuth needs auth: the credentials the token server accepts');
        // The token signing key is the client key pair's: any key the bundle's certificates hold works.
        tokenServer = await RegistryTokenServer.start(options.auth, tls.clientKeyPem, tls.clientCertPem);
        authConfig = [
          'auth:',
          '  token:',
          `    realm: ${tokenServer.realm}`,
          `    service: ${tokenService}`,
          `    issuer: ${tokenIssuer}`,
          `    rootcertbundle: ${JSON.stringify(client.cert)}`,
        ];
      }
    }
    if (options.auth && !options.tokenAuth) {
      const htpasswdPath = join(dir, 'htpasswd');
      // -B bcrypt (the only scheme distribution accepts), -C 4 the lowest cost: these are throw-away secrets.
      const line = await run('htpasswd', [
        '-n',
        '-b',
        '-B',
        '-C',
        '4',
        options.auth.username,
        options.auth.password,
      ]);
      await writeFile(htpasswdPath, `${line.trim()}\n`, { mode: 0o600 });
      authConfig = [
        'auth:',
        '  htpasswd:',
        '    realm: weft-registry',
        `    path: ${JSON.stringify(htpasswdPath)}`,
      ];
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const configPath = join(dir, 'config.yml');
      await writeFile(
        configPath,
        [
          'version: 0.1',
          'log:',
          '  level: warn',
          '  accesslog:',
          `    disabled: ${options.accessLog ? 'false' : 'true'}`,
          'storage:',
          '  filesystem:',
          `    rootdirectory: ${JSON.stringify(storage)}`,
          '  delete:',
          '    enabled: true',
          '  maintenance:',
          '    uploadpurging:',
          '      enabled: false',
          'http:',
          `  addr: ${loopbackHost}:${port}`,
          `  secret: ${randomBytes(16).toString('hex')}`,
          ...tlsConfig,
          ...authConfig,
          '',
        ].join('\n'),
      );
      const daemon = new ManagedProcess({
        name: 'docker-registry',
        command: registryPath,
        args: ['serve', configPath],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
        replaceEnv: true,
        group: true,
      }).start();
      const registry = new OciRegistry(dir, daemon, port, options.auth, {
        tls,
        tokenServer,
        https: options.tls !== undefined,
      });
      try {
        await registry.waitUntilReady();
        return registry;
      } catch (error) {
        await daemon.stop();
        if (!(attempt < 5 && /address already in use/i.test(daemon.output))) await tokenServer?.stop();
        if (attempt < 5 && /address already in use/i.test(daemon.output)) continue;
        throw error;
      }
    }
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

export class OciRegistry {
  readonly port: number;
  readonly auth: BasicAuth | undefined;
  #dir: string;
  #daemon: ManagedProcess;
  /** Parsed from the access log as it streams: the daemon's kept output is bounded, this is not. */
  readonly #requests: string[] = [];
  /** CA and client certificate when started with `tls` or `tokenAuth`. */
  readonly tls: RegistryTls | undefined;
  readonly tokenServer: RegistryTokenServer | undefined;
  readonly #https: boolean;

  constructor(
    dir: string,
    daemon: ManagedProcess,
    port: number,
    auth: BasicAuth | undefined,
    extras: {
      tls?: RegistryTls | undefined;
      tokenServer?: RegistryTokenServer | undefined;
      https?: boolean;
    } = {},
  ) {
    this.#dir = dir;
    this.#daemon = daemon;
    this.port = port;
    this.auth = auth;
    this.tls = extras.tls;
    this.tokenServer = extras.tokenServer;
    this.#https = extras.https ?? false;
    for (const stream of [daemon.child?.stdout, daemon.child?.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const match = /"(GET|HEAD|POST|PUT|PATCH|DELETE) ([^ ?"]+)[^"]* HTTP\/[0-9.]+"/.exec(line);
          if (match) this.#requests.push(`${match[1]} ${match[2]}`);
        }
      });
    }
  }

  /** `127.0.0.1:PORT`, the registry host as image references and `oci://` URLs name it. */
  get host(): string {
    return `${loopbackHost}:${this.port}`;
  }

  /**
   * The filesystem driver's root (`docker/registry/v2/…` under it). Benchmarks seed many
   * repositories by copying one pushed repository's link files there: setup, not what they measure.
   */
  get storageRoot(): string {
    return join(this.#dir, 'storage');
  }

  /** `http://127.0.0.1:PORT` (`https://` with `tls`) */
  get url(): string {
    return `${this.#https ? 'https' : 'http'}://${this.host}`;
  }

  /** `oci://127.0.0.1:PORT/<repository>`, as an OCIRepository or HelmRepository of type oci names it. */
  ociUrl(repository: string): string {
    return `oci://${this.host}/${repository}`;
  }

  /** Headers that authenticate a request when auth is on (empty otherwise). */
  authHeaders(): Record<string, string> {
    return this.auth ? { Authorization: basicAuthHeader(this.auth) } : {};
  }

  /**
   * Requests served so far as `METHOD /path` (query left out), in order; needs `accessLog: true`.
   * Read the list before and after an action to count what it cost.
   */
  requests(): string[] {
    return [...this.#requests];
  }

  /** The registry's own log so far. */
  get log(): string {
    return this.#daemon.output;
  }

  async waitUntilReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#daemon.hasExited) throw new Error(`docker-registry exited before it was ready:\n${this.log}`);
      try {
        const status = await this.#probe();
        if (status === 200 || status === 401) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline)
        throw new Error(`docker-registry not ready after ${timeoutMs}ms:\n${this.log}`);
      await sleep(50);
    }
  }

  /** GET /v2/ with the CA (and client certificate) a TLS registry needs; the status code. */
  #probe(): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = (this.#https ? httpsGet : httpGet)(
        `${this.url}/v2/`,
        {
          timeout: 2_000,
          ...(this.tls
            ? { ca: this.tls.caPem, cert: this.tls.clientCertPem, key: this.tls.clientKeyPem }
            : {}),
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', reject);
    });
  }

  async stop(): Promise<void> {
    await this.#daemon.stop();
    await this.tokenServer?.stop();
    await removeDir(this.#dir);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
