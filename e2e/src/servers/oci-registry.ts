/**
 * An OCI registry on loopback: Debian's `docker-registry` (CNCF distribution v2) with filesystem
 * storage in a temp directory, deletes enabled, and optional htpasswd (bcrypt) authentication.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../cluster/ports.ts';
import { type BasicAuth, basicAuthHeader } from './basic-auth.ts';
import { loopbackHost } from './loopback.ts';
import { Daemon, makeTempDir, removeDir, run, sleep } from './process.ts';

export interface OciRegistryOptions {
  /** Require these credentials (HTTP basic, checked against a bcrypt htpasswd file). */
  auth?: BasicAuth;
  /** Path of the registry binary; default `/usr/bin/docker-registry` (Debian's docker-registry). */
  registryPath?: string;
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
    if (options.auth) {
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
          '    disabled: true',
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
          ...authConfig,
          '',
        ].join('\n'),
      );
      const daemon = new Daemon('docker-registry', registryPath, ['serve', configPath], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
      });
      const registry = new OciRegistry(dir, daemon, port, options.auth);
      try {
        await registry.waitUntilReady();
        return registry;
      } catch (error) {
        await daemon.stop();
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
  #daemon: Daemon;

  constructor(dir: string, daemon: Daemon, port: number, auth: BasicAuth | undefined) {
    this.#dir = dir;
    this.#daemon = daemon;
    this.port = port;
    this.auth = auth;
  }

  /** `127.0.0.1:PORT`, the registry host as image references and `oci://` URLs name it. */
  get host(): string {
    return `${loopbackHost}:${this.port}`;
  }

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return `http://${this.host}`;
  }

  /** `oci://127.0.0.1:PORT/<repository>`, as an OCIRepository or HelmRepository of type oci names it. */
  ociUrl(repository: string): string {
    return `oci://${this.host}/${repository}`;
  }

  /** Headers that authenticate a request when auth is on (empty otherwise). */
  authHeaders(): Record<string, string> {
    return this.auth ? { Authorization: basicAuthHeader(this.auth) } : {};
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
        const response = await fetch(`${this.url}/v2/`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200 || response.status === 401) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline)
        throw new Error(`docker-registry not ready after ${timeoutMs}ms:\n${this.log}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    await this.#daemon.stop();
    await removeDir(this.#dir);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
