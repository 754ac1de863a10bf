/**
 * Whether an incoming webhook is genuine and wanted, per Receiver type, as Flux checks it:
 * GitHub's `X-Hub-Signature-256` HMAC, GitLab's `X-Gitlab-Token`, `X-Signature` for
 * generic-hmac, Harbor's `Authorization`; plus the `events` filter on the sender's event
 * header. Comparisons of secrets take constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ReceiverObject } from '../objects.ts';
import type { SecretReader } from '../provider/config.ts';

export const supportedReceiverTypes = [
  'generic',
  'generic-hmac',
  'github',
  'gitlab',
  'dockerhub',
  'harbor',
] as const;

export function isSupportedReceiverType(type: string): boolean {
  return (supportedReceiverTypes as readonly string[]).includes(type);
}

/** `/hook/` + sha256 hex of token + name + namespace (Flux's webhook path). */
export function webhookPath(token: string, name: string, namespace: string): string {
  return `/hook/${createHash('sha256').update(`${token}${name}${namespace}`).digest('hex')}`;
}

/** The token of a Receiver's secret; throws a message without the secret's content. */
export async function receiverToken(receiver: ReceiverObject, readSecret: SecretReader): Promise<string> {
  const namespace = receiver.metadata.namespace ?? '';
  const name = receiver.spec.secretRef.name;
  const data = await readSecret(namespace, name);
  if (!data) throw new Error(`secret ${namespace}/${name} not found`);
  const token = data.token;
  if (!token) throw new Error(`secret ${namespace}/${name} has no token key`);
  return token;
}

export type Verdict =
  /** Genuine and wanted: annotate the resources. */
  | { action: 'accept'; event: string | undefined }
  /** Genuine but nothing to do (GitHub ping, an event not in `events`). */
  | { action: 'ignore'; status: number; message: string }
  /** Not genuine: never acted on. */
  | { action: 'reject'; status: number; message: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const hmacAlgorithms = new Set(['sha1', 'sha256', 'sha512']);

/** Checks `<algo>=<hex>` against the HMAC of the body with the token. */
export function validHmac(signature: string | undefined, body: Buffer, token: string): boolean {
  if (!signature) return false;
  const eq = signature.indexOf('=');
  if (eq < 0) return false;
  const algorithm = signature.slice(0, eq).toLowerCase();
  if (!hmacAlgorithms.has(algorithm)) return false;
  const expected = createHmac(algorithm, token).update(body).digest('hex');
  return safeEqual(signature.slice(eq + 1).toLowerCase(), expected);
}

function filterEvent(event: string | undefined, events: readonly string[], sender: string): Verdict {
  if (events.length > 0 && !events.some((allowed) => allowed.toLowerCase() === (event ?? '').toLowerCase())) {
    return {
      action: 'ignore',
      status: 400,
      message: `the ${sender} event "${event ?? ''}" is not accepted by this receiver`,
    };
  }
  return { action: 'accept', event };
}

export function verifyRequest(
  type: string,
  token: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  events: readonly string[],
): Verdict {
  switch (type) {
    case 'generic':
    case 'dockerhub':
      // The path, made from the token, is the only secret these senders have.
      return { action: 'accept', event: undefined };
    case 'generic-hmac':
      if (!validHmac(header(headers, 'x-signature'), body, token)) {
        return { action: 'reject', status: 401, message: 'invalid X-Signature' };
      }
      return { action: 'accept', event: undefined };
    case 'github': {
      const signature = header(headers, 'x-hub-signature-256') ?? header(headers, 'x-hub-signature');
      if (!validHmac(signature, body, token)) {
        return { action: 'reject', status: 401, message: 'invalid X-Hub-Signature-256' };
      }
      const event = header(headers, 'x-github-event');
      if (event === 'ping') return { action: 'ignore', status: 200, message: 'pong' };
      return filterEvent(event, events, 'GitHub');
    }
    case 'gitlab': {
      const given = header(headers, 'x-gitlab-token');
      if (!given || !safeEqual(given, token)) {
        return { action: 'reject', status: 401, message: 'invalid X-Gitlab-Token' };
      }
      return filterEvent(header(headers, 'x-gitlab-event'), events, 'GitLab');
    }
    case 'harbor': {
      const given = header(headers, 'authorization');
      if (!given || !safeEqual(given, token)) {
        return { action: 'reject', status: 401, message: 'invalid Authorization' };
      }
      return { action: 'accept', event: undefined };
    }
    default:
      return { action: 'reject', status: 400, message: `receiver type ${type} is not supported` };
  }
}
