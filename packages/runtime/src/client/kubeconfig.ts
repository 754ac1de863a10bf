/**
 * Our own kubeconfig and in-cluster loader, so a controller never loads `@kubernetes/client-node`
 * (whose KubeConfig module pulls in every generated API and model: about 80 MiB of RSS).
 *
 * Supported: the current context's cluster (server, CA file or data, tls-server-name,
 * insecure-skip-tls-verify) and user (client certificate and key, files or data; bearer token or
 * tokenFile, re-read at most every `tokenFileTtlMs` for projected ServiceAccount tokens; basic
 * auth; impersonation with `as`, `as-groups`, `as-uid`, `as-user-extra`). Users with `exec` or
 * `auth-provider` are delegated to client-node, imported only then.
 *
 * Anything with `getCurrentCluster()` and `applyToHTTPSOptions()` is a `KubeConfigLike`, which
 * client-node's KubeConfig also is: callers that hold one may keep passing it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Agent as HttpAgent } from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { stringify } from 'yaml';
import {
  type KubeconfigCluster,
  type KubeconfigContext,
  KubeconfigError,
  type KubeconfigUser,
  mergeKubeconfigs,
  type ParsedKubeconfig,
  parseKubeconfig,
} from './kubeconfig-parse.ts';

// getBuiltinModule, not an ESM import: see the note in @weft/runtime's client/transport.ts (undici).
const http = process.getBuiltinModule('node:http');

/** What Client, the transport, the event sink and the lease store need of a kubeconfig. */
export interface KubeConfigLike {
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets TLS options, an agent and auth headers on `options` (headers are merged). */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

export interface RestConfigOptions {
  /** A projected token file is re-read at most this often (default 60 s). */
  tokenFileTtlMs?: number;
  /** Use this context instead of the file's current-context (kubectl's `--context`). */
  context?: string | undefined;
  now?: () => number;
}

export interface InClusterOptions extends RestConfigOptions {
  env?: Record<string, string | undefined>;
  /** Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  serviceAccountDir?: string;
}

export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

interface ClientNodeDelegate {
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

/**
 * The agent's TLS settings as one SecureContext, parsed once: Node's agent names its socket pool
 * from the options of each request, stringifying any `ca`/`cert`/`key` in them (kilobytes of PEM
 * per request), and builds a context from them for each new connection. Material that does not
 * parse is passed as is, so the connection fails with TLS's own error, as it would without this.
 */
function secureContextOptions(tls: TlsMaterial): https.AgentOptions {
  if (!tls.ca && !tls.cert && !tls.key) return {};
  try {
    return { secureContext: createSecureContext({ ...tls }) };
  } catch {
    return { ...tls };
  }
}

/**
 * A loaded kubeconfig (or in-cluster config), fixed to its current context. Certificate and CA
 * files are read on each `applyToHTTPSOptions` (the transport calls it every 30 s), so rotated
 * files are picked up; one keep-alive agent is shared while the TLS material stays the same.
 */
export class RestConfig implements KubeConfigLike {
  readonly #parsed: ParsedKubeconfig;
  readonly #tokenFileTtlMs: number;
  readonly #now: () => number;
  #token: { value: string; readAt: number } | undefined;
  #agent: { key: string; agent: HttpAgent } | undefined;
  #delegate: Promise<ClientNodeDelegate> | undefined;

  private constructor(parsed: ParsedKubeconfig, options: RestConfigOptions = {}) {
    if (options.context !== undefined && !parsed.contexts.some((c) => c.name === options.context)) {
      const known = parsed.contexts.map((c) => c.name).join(', ') || 'none';
      throw new KubeconfigError(`kubeconfig has no context "${options.context}" (contexts: ${known})`);
    }
    this.#parsed = options.context === undefined ? parsed : { ...parsed, currentContext: options.context };
    this.#tokenFileTtlMs = options.tokenFileTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** A kubeconfig document; relative paths in it resolve against `baseDir` (default: the cwd). */
  static fromString(text: string, options: RestConfigOptions & { baseDir?: string } = {}): RestConfig {
    return new RestConfig(parseKubeconfig(text, options.baseDir ?? process.cwd()), options);
  }

  /** One kubeconfig file, or several merged (the KUBECONFIG list). */
  static fromFiles(paths: string | string[], options: RestConfigOptions = {}): RestConfig {
    const list = typeof paths === 'string' ? [paths] : paths;
    const parts = list.map((path) => {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new KubeconfigError(`reading kubeconfig ${path}: ${(error as Error).message}`);
      }
      return parseKubeconfig(text, dirname(resolve(path)));
    });
    return new RestConfig(parts.length === 1 && parts[0] ? parts[0] : mergeKubeconfigs(parts), options);
  }

  /** The pod's ServiceAccount: KUBERNETES_SERVICE_HOST/PORT, token, ca.crt and namespace. */
  static inCluster(options: InClusterOptions = {}): RestConfig {
    const env = options.env ?? process.env;
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT;
    if (!host || !port)
      throw new KubeconfigError(
        'not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset',
      );
    const dir = options.serviceAccountDir ?? serviceAccountDir;
    let namespace: string | undefined;
    try {
      namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || undefined;
    } catch {
      namespace = undefined;
    }
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const caFile = join(dir, 'ca.crt');
    const tokenFile = join(dir, 'token');
    const parsed: ParsedKubeconfig = {
      clusters: [{ name: 'inCluster', server, caFile, skipTLSVerify: false }],
      users: [{ name: 'inClusterUser', tokenFile }],
      contexts: [
        {
          name: 'inClusterContext',
          cluster: 'inCluster',
          user: 'inClusterUser',
          ...(namespace ? { namespace } : {}),
        },
      ],
      currentContext: 'inClusterContext',
      raw: {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'inCluster', cluster: { server, 'certificate-authority': caFile } }],
        users: [{ name: 'inClusterUser', user: { tokenFile } }],
        contexts: [{ name: 'inClusterContext', context: { cluster: 'inCluster', user: 'inClusterUser' } }],
        'current-context': 'inClusterContext',
      },
    };
    return new RestConfig(parsed, options);
  }

  getClusters(): readonly KubeconfigCluster[] {
    return this.#parsed.clusters;
  }

  getUsers(): readonly KubeconfigUser[] {
    return this.#parsed.users;
  }

  getContexts(): readonly KubeconfigContext[] {
    return this.#parsed.contexts;
  }

  getCurrentContext(): string {
    return this.#parsed.currentContext;
  }

  #context(): KubeconfigContext | undefined {
    return this.#parsed.contexts.find((c) => c.name === this.#parsed.currentContext);
  }

  getCurrentCluster(): KubeconfigCluster | null {
    const context = this.#context();
    const cluster = context && this.#parsed.clusters.find((c) => c.name === context.cluster);
    return cluster?.server ? cluster : null;
  }

  getCurrentUser(): KubeconfigUser | null {
    const context = this.#context();
    return (context && this.#parsed.users.find((u) => u.name === context.user)) ?? null;
  }

  /** The current context's namespace (in-cluster: the pod's namespace). */
  getCurrentNamespace(): string | undefined {
    return this.#context()?.namespace;
  }

  async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new KubeconfigError('kubeconfig has no current cluster');
    const user = this.getCurrentUser();
    if (user && (user.exec !== undefined || user.authProvider !== undefined)) {
      this.#delegate ??= this.#clientNode();
      this.#delegate.catch(() => {
        this.#delegate = undefined;
      });
      return (await this.#delegate).applyToHTTPSOptions(options);
    }
    const tls: TlsMaterial = {};
    const ca = cluster.caData ?? (cluster.caFile ? await readFile(cluster.caFile) : undefined);
    if (ca) tls.ca = ca;
    if (user) {
      const cert = user.certData ?? (user.certFile ? await readFile(user.certFile) : undefined);
      const key = user.keyData ?? (user.keyFile ? await readFile(user.keyFile) : undefined);
      if (cert) tls.cert = cert;
      if (key) tls.key = key;
    }
    const headers: Record<string, string | string[]> = {};
    if (user) {
      const token = user.token ?? (user.tokenFile ? await this.#tokenFromFile(user.tokenFile) : undefined);
      if (token) headers.Authorization = `Bearer ${token}`;
      else if (user.username !== undefined || user.password !== undefined) {
        const basic = Buffer.from(`${user.username ?? ''}:${user.password ?? ''}`).toString('base64');
        headers.Authorization = `Basic ${basic}`;
      }
      if (user.impersonate) headers['Impersonate-User'] = user.impersonate;
      if (user.impersonateGroups?.length) headers['Impersonate-Group'] = user.impersonateGroups;
      if (user.impersonateUid) headers['Impersonate-Uid'] = user.impersonateUid;
      for (const [key, values] of Object.entries(user.impersonateExtra ?? {}))
        headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = values;
    }
    options.headers = { ...(options.headers as Record<string, string | string[]> | undefined), ...headers };
    const secure = cluster.server.startsWith('https:');
    if (secure) {
      if (tls.ca) options.ca = tls.ca;
      if (tls.cert) options.cert = tls.cert;
      if (tls.key) options.key = tls.key;
      if (cluster.skipTLSVerify) options.rejectUnauthorized = false;
      if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    }
    options.agent = this.#agentFor(secure, cluster, tls);
  }

  async #tokenFromFile(path: string): Promise<string> {
    const now = this.#now();
    if (!this.#token || now - this.#token.readAt >= this.#tokenFileTtlMs) {
      this.#token = { value: (await readFile(path, 'utf8')).trim(), readAt: now };
    }
    return this.#token.value;
  }

  /** One keep-alive agent while the TLS material is unchanged; a rotated certificate gets a new one. */
  #agentFor(secure: boolean, cluster: KubeconfigCluster, tls: TlsMaterial): HttpAgent {
    const hash = createHash('sha256');
    hash.update(secure ? 'https' : 'http');
    hash.update(`\0${cluster.skipTLSVerify}\0${cluster.tlsServerName ?? ''}`);
    for (const part of [tls.ca, tls.cert, tls.key]) {
      hash.update('\0');
      if (part) hash.update(part);
    }
    const key = hash.digest('hex');
    if (this.#agent?.key !== key) {
      const agent = secure
        ? new https.Agent({
            keepAlive: true,
            ...secureContextOptions(tls),
            ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
            ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
          })
        : new http.Agent({ keepAlive: true });
      this.#agent = { key, agent };
    }
    return this.#agent.agent;
  }

  /** client-node for exec and auth-provider users only, imported on first use. */
  async #clientNode(): Promise<ClientNodeDelegate> {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromString(stringify(this.#parsed.raw));
    return kc;
  }
}

/**
 * The default kubeconfig, in controller-runtime's order: the KUBECONFIG list (merged), else the
 * in-cluster ServiceAccount (when KUBERNETES_SERVICE_HOST/PORT are set), else ~/.kube/config.
 */
export function loadDefaultRestConfig(options: InClusterOptions & { home?: string } = {}): RestConfig {
  const env = options.env ?? process.env;
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  const existing = list.filter((p) => existsSync(p));
  if (existing.length > 0) return RestConfig.fromFiles(existing, options);
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return RestConfig.inCluster(options);
  const home = join(options.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return RestConfig.fromFiles(home, options);
  throw new KubeconfigError(
    'no kubeconfig: set --kubeconfig or KUBECONFIG, create ~/.kube/config, or run in a cluster',
  );
}
