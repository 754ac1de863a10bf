import { createHmac } from 'node:crypto';

/** One accepted host key from known_hosts. */
export interface KnownHostKey {
  /** e.g. `ssh-ed25519` */
  type: string;
  /** The public key blob (the base64 field, decoded). */
  key: Buffer;
}

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * The keys known_hosts accepts for `host:port`. Supports plain, wildcard (`*`, `?`), negated
 * (`!`) and hashed (`|1|salt|hash`) host fields; `@revoked` keys are left out of the result
 * and returned separately; `@cert-authority` lines are not supported and ignored.
 */
export function knownHostKeys(
  knownHosts: string,
  host: string,
  port: number,
): { accepted: KnownHostKey[]; revoked: Buffer[] } {
  const name = knownHostName(host, port);
  const accepted: KnownHostKey[] = [];
  const revoked: Buffer[] = [];
  for (const rawLine of knownHosts.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) marker = fields.shift();
    const [hosts, type, base64] = fields;
    if (hosts === undefined || type === undefined || base64 === undefined) continue;
    if (marker === '@cert-authority') continue;
    if (!hostsMatch(hosts, name)) continue;
    const key = Buffer.from(base64, 'base64');
    if (marker === '@revoked') revoked.push(key);
    else accepted.push({ type, key });
  }
  return { accepted, revoked };
}

function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (wildcardMatch(body, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function wildcardMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === name;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`).test(name);
}

/** ssh host key algorithms that can present a key of each known_hosts type. */
export function hostKeyAlgorithms(types: readonly string[]): string[] {
  const algorithms = new Set<string>();
  for (const type of types) {
    if (type === 'ssh-rsa') {
      algorithms.add('rsa-sha2-512');
      algorithms.add('rsa-sha2-256');
      algorithms.add('ssh-rsa');
    } else {
      algorithms.add(type);
    }
  }
  return [...algorithms];
}
