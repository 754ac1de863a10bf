/**
 * A Provider's effective settings: its spec, plus what its Secrets hold (`address`, `token`,
 * `username`, `password`, `headers` as a YAML map; `ca.crt` in certSecretRef), as Flux reads
 * them. The values here are credentials: they go into requests, never into logs or status.
 */
import type { Provider } from '@weft/api';
import { parseDuration } from '@weft/runtime/reconcile';
import { parse as parseYaml } from 'yaml';

export interface ProviderConfig {
  type: string;
  address: string;
  channel: string | undefined;
  username: string | undefined;
  token: string | undefined;
  password: string | undefined;
  headers: Record<string, string>;
  /** PEM CA bundle to trust, from certSecretRef's `ca.crt`. */
  ca: string | undefined;
  proxy: string | undefined;
  timeoutMs: number;
}

/** Reads a Secret's data (decoded), undefined when it does not exist. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

/** A Provider that cannot be used as it is; the message names what to fix and holds no secret. */
export class ProviderConfigError extends Error {
  override name = 'ProviderConfigError';
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export const defaultTimeoutMs = 15_000;
export const slackChatPostMessage = 'https://slack.com/api/chat.postMessage';

function parseHeaders(raw: string, secretName: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = parseYaml(raw);
  } catch {
    throw new ProviderConfigError('InvalidSecret', `secret ${secretName}: key headers is not a YAML map`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderConfigError('InvalidSecret', `secret ${secretName}: key headers is not a YAML map`);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) headers[key] = String(value);
  return headers;
}

export async function resolveProviderConfig(
  provider: Provider,
  readSecret: SecretReader,
): Promise<ProviderConfig> {
  const namespace = provider.metadata.namespace ?? '';
  const spec = provider.spec;
  let address = spec.address ?? '';
  let token: string | undefined;
  let username = spec.username;
  let password: string | undefined;
  let headers: Record<string, string> = {};
  let ca: string | undefined;
  let proxy = spec.proxy;
  if (spec.secretRef) {
    const data = await readSecret(namespace, spec.secretRef.name);
    if (!data) {
      throw new ProviderConfigError('SecretNotFound', `secret ${namespace}/${spec.secretRef.name} not found`);
    }
    if (data.address) address = data.address.trim();
    if (data.token) token = data.token.trim();
    if (data.username) username = data.username;
    if (data.password) password = data.password;
    if (data.proxy) proxy = data.proxy.trim();
    if (data.headers) headers = parseHeaders(data.headers, spec.secretRef.name);
  }
  if (spec.certSecretRef) {
    const data = await readSecret(namespace, spec.certSecretRef.name);
    if (!data) {
      throw new ProviderConfigError(
        'SecretNotFound',
        `secret ${namespace}/${spec.certSecretRef.name} not found`,
      );
    }
    ca = data['ca.crt'];
    if (!ca) {
      throw new ProviderConfigError('InvalidSecret', `secret ${spec.certSecretRef.name} has no ca.crt key`);
    }
  }
  if (!address && spec.type === 'slack' && token) address = slackChatPostMessage;
  if (!address) {
    throw new ProviderConfigError(
      'InvalidAddress',
      'no address: set spec.address or the address key of the secret in spec.secretRef',
    );
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ProviderConfigError('InvalidAddress', 'the address is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProviderConfigError('InvalidAddress', `the address must be http or https, not ${url.protocol}`);
  }
  if (proxy && !/^https?:\/\//.test(proxy)) {
    throw new ProviderConfigError('InvalidProxy', 'the proxy must be an http:// or https:// URL');
  }
  let timeoutMs = defaultTimeoutMs;
  if (spec.timeout) timeoutMs = parseDuration(spec.timeout);
  return {
    type: spec.type,
    address,
    channel: spec.channel,
    username,
    token,
    password,
    headers,
    ca,
    proxy,
    timeoutMs,
  };
}

/** The part of an address safe to show: scheme, host and port (paths of webhooks are secrets). */
export function safeAddress(address: string): string {
  try {
    const url = new URL(address);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '(invalid address)';
  }
}
