/**
 * Reading kubeconfig documents: one file's YAML into clusters, users and contexts (relative paths
 * made absolute), and a KUBECONFIG list merged as kubectl merges it. No I/O and no TLS here; the
 * RestConfig in kubeconfig.ts turns the result into requests.
 */
import { isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { isRecord } from './types.ts';

export interface KubeconfigCluster {
  name: string;
  server: string;
  caData?: Buffer;
  caFile?: string;
  tlsServerName?: string;
  skipTLSVerify: boolean;
}

export interface KubeconfigUser {
  name: string;
  certData?: Buffer;
  certFile?: string;
  keyData?: Buffer;
  keyFile?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  impersonate?: string;
  impersonateGroups?: string[];
  impersonateUid?: string;
  impersonateExtra?: Record<string, string[]>;
  /** Present when the user runs a credential plugin (delegated to client-node). */
  exec?: unknown;
  authProvider?: unknown;
}

export interface KubeconfigContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

export interface ParsedKubeconfig {
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext: string;
  /** The document with file paths made absolute: what client-node gets for exec users. */
  raw: Record<string, unknown>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function named(list: unknown, field: string): Array<{ name: string; body: Record<string, unknown> }> {
  if (!Array.isArray(list)) return [];
  const out: Array<{ name: string; body: Record<string, unknown> }> = [];
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.name !== 'string') continue;
    out.push({ name: entry.name, body: isRecord(entry[field]) ? entry[field] : {} });
  }
  return out;
}

function absolute(path: string | undefined, baseDir: string | undefined): string | undefined {
  if (path === undefined || baseDir === undefined || isAbsolute(path)) return path;
  return resolve(baseDir, path);
}

/** Parses one kubeconfig document; relative file paths resolve against `baseDir`. */
export function parseKubeconfig(text: string, baseDir?: string): ParsedKubeconfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new KubeconfigError(`kubeconfig is not valid YAML: ${(error as Error).message}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isRecord(doc)) throw new KubeconfigError('kubeconfig is not a YAML mapping');
  const clusters: KubeconfigCluster[] = [];
  for (const { name, body } of named(doc.clusters, 'cluster')) {
    const caFile = absolute(str(body['certificate-authority']), baseDir);
    if (caFile) body['certificate-authority'] = caFile;
    const caData = str(body['certificate-authority-data']);
    const tlsServerName = str(body['tls-server-name']);
    clusters.push({
      name,
      server: str(body.server) ?? '',
      skipTLSVerify: body['insecure-skip-tls-verify'] === true,
      ...(caData ? { caData: Buffer.from(caData, 'base64') } : {}),
      ...(caFile ? { caFile } : {}),
      ...(tlsServerName ? { tlsServerName } : {}),
    });
  }
  const users: KubeconfigUser[] = [];
  for (const { name, body } of named(doc.users, 'user')) {
    const user: KubeconfigUser = { name };
    const certFile = absolute(str(body['client-certificate']), baseDir);
    const keyFile = absolute(str(body['client-key']), baseDir);
    const tokenFile = absolute(str(body.tokenFile), baseDir);
    if (certFile) user.certFile = body['client-certificate'] = certFile;
    if (keyFile) user.keyFile = body['client-key'] = keyFile;
    if (tokenFile) user.tokenFile = body.tokenFile = tokenFile;
    const certData = str(body['client-certificate-data']);
    const keyData = str(body['client-key-data']);
    if (certData) user.certData = Buffer.from(certData, 'base64');
    if (keyData) user.keyData = Buffer.from(keyData, 'base64');
    const token = str(body.token);
    const username = str(body.username);
    const password = str(body.password);
    if (token) user.token = token;
    if (username) user.username = username;
    if (password) user.password = password;
    const as = str(body.as);
    if (as) user.impersonate = as;
    const asUid = str(body['as-uid']);
    if (asUid) user.impersonateUid = asUid;
    const groups = body['as-groups'];
    if (Array.isArray(groups))
      user.impersonateGroups = groups.filter((g): g is string => typeof g === 'string');
    const extra = body['as-user-extra'];
    if (isRecord(extra)) {
      user.impersonateExtra = {};
      for (const [key, values] of Object.entries(extra)) {
        const list = Array.isArray(values) ? values : [values];
        user.impersonateExtra[key] = list.filter((v): v is string => typeof v === 'string');
      }
    }
    if (body.exec !== undefined && body.exec !== null) user.exec = body.exec;
    if (body['auth-provider'] !== undefined && body['auth-provider'] !== null)
      user.authProvider = body['auth-provider'];
    users.push(user);
  }
  const contexts: KubeconfigContext[] = named(doc.contexts, 'context').map(({ name, body }) => {
    const namespace = str(body.namespace);
    return {
      name,
      cluster: str(body.cluster) ?? '',
      user: str(body.user) ?? '',
      ...(namespace ? { namespace } : {}),
    };
  });
  return { clusters, users, contexts, currentContext: str(doc['current-context']) ?? '', raw: doc };
}

/** Merges kubeconfig files as KUBECONFIG does: the first file to set a name or field wins. */
export function mergeKubeconfigs(parts: ParsedKubeconfig[]): ParsedKubeconfig {
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  const rawList = (key: string): unknown[] => {
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const part of parts) {
      const list = part.raw[key];
      for (const entry of Array.isArray(list) ? list : []) {
        const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : undefined;
        if (name === undefined || seen.has(name)) continue;
        seen.add(name);
        out.push(entry);
      }
    }
    return out;
  };
  const currentContext = parts.find((p) => p.currentContext)?.currentContext ?? '';
  return {
    clusters: firstByName(parts.map((p) => p.clusters)),
    users: firstByName(parts.map((p) => p.users)),
    contexts: firstByName(parts.map((p) => p.contexts)),
    currentContext,
    raw: {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: rawList('clusters'),
      users: rawList('users'),
      contexts: rawList('contexts'),
      'current-context': currentContext,
    },
  };
}
