/**
 * What each Provider type sends: the request (URL, headers, JSON body) for one event, built
 * after each service's documented payload. Pure functions, so each format is unit-tested.
 */
import { createHash, createHmac } from 'node:crypto';
import type { EventPayload } from '../event/event.ts';
import { type ProviderConfig, ProviderConfigError } from './config.ts';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The provider types this controller can send to. */
export const supportedProviderTypes = [
  'slack',
  'discord',
  'msteams',
  'googlechat',
  'generic',
  'generic-hmac',
  'github',
  'gitlab',
] as const;

export function isSupportedProviderType(type: string): boolean {
  return (supportedProviderTypes as readonly string[]).includes(type);
}

/** `Kind/namespace/name`, how messages name the object. */
export function objectId(event: EventPayload): string {
  const o = event.involvedObject;
  return `${o.kind}/${o.namespace}/${o.name}`;
}

function json(url: string, body: unknown, extra: Record<string, string> = {}): OutgoingRequest {
  return { url, headers: { 'Content-Type': 'application/json', ...extra }, body: JSON.stringify(body) };
}

function sortedMetadata(event: EventPayload): Array<[string, string]> {
  return Object.entries(event.metadata).sort(([a], [b]) => a.localeCompare(b));
}

/** Slack (incoming webhook or chat.postMessage with a bot token); Discord's Slack endpoint too. */
export function slackPayload(event: EventPayload, config: Pick<ProviderConfig, 'channel' | 'username'>) {
  const id = objectId(event);
  const fields = sortedMetadata(event).map(([title, value]) => ({ title, value, short: false }));
  const payload: Record<string, unknown> = {
    text: `*${id}* ${event.reason}`,
    attachments: [
      {
        color: event.severity === 'error' ? 'danger' : 'good',
        author_name: id,
        title: event.reason,
        text: event.message,
        fallback: `${id}: ${event.message}`,
        mrkdwn_in: ['text'],
        fields,
      },
    ],
  };
  if (config.channel) payload.channel = config.channel;
  if (config.username) payload.username = config.username;
  return payload;
}

/** Microsoft Teams: an Office 365 connector MessageCard. */
export function msteamsPayload(event: EventPayload) {
  const id = objectId(event);
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    themeColor: event.severity === 'error' ? 'FF0000' : '0076D7',
    summary: id,
    sections: [
      {
        activityTitle: `${event.severity === 'error' ? 'Error' : 'Info'}: ${id}`,
        activitySubtitle: event.reason,
        text: event.message,
        facts: sortedMetadata(event).map(([name, value]) => ({ name, value })),
      },
    ],
  };
}

/** Google Chat: a card with the message and one line per metadata entry. */
export function googleChatPayload(event: EventPayload) {
  const id = objectId(event);
  return {
    text: `${id}: ${event.message}`,
    cardsV2: [
      {
        cardId: 'weft-event',
        card: {
          header: { title: id, subtitle: `${event.severity} · ${event.reason}` },
          sections: [
            {
              widgets: [
                { textParagraph: { text: event.message } },
                ...sortedMetadata(event).map(([key, value]) => ({
                  decoratedText: { topLabel: key, text: value },
                })),
              ],
            },
          ],
        },
      },
    ],
  };
}

/** `<ref>@sha1:<sha>` (or a bare `sha1:<sha>`) → the commit; undefined for other revisions. */
export function commitOf(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const match = /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision);
  return match?.[1];
}

/** `owner/repo` from a Git host address (`https://github.com/owner/repo(.git)`). */
function repoPath(address: string): { origin: string; path: string } {
  const url = new URL(address);
  const path = url.pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  if (path.split('/').length < 2) {
    throw new ProviderConfigError(
      'InvalidAddress',
      'the address must name a repository: https://host/owner/repo',
    );
  }
  return { origin: url.origin, path };
}

/** The commit a status is for and the repository it is in; undefined for a non-Git revision. */
function commitStatusTarget(
  event: EventPayload,
  config: ProviderConfig,
): { sha: string; origin: string; path: string } | undefined {
  const sha = commitOf(event.metadata.revision);
  return sha ? { sha, ...repoPath(config.address) } : undefined;
}

/** The commit status context: `kind/name/<8 hex of the provider's uid>`, stable per Provider. */
export function commitStatusContext(event: EventPayload, providerUid: string): string {
  const suffix = createHash('sha256').update(providerUid).digest('hex').slice(0, 8);
  return `${event.involvedObject.kind.toLowerCase()}/${event.involvedObject.name}/${suffix}`;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

/** GitHub commit status: api.github.com for github.com, `<host>/api/v3` for GitHub Enterprise. */
export function githubRequest(
  event: EventPayload,
  config: ProviderConfig,
  providerUid: string,
): OutgoingRequest | undefined {
  const target = commitStatusTarget(event, config);
  if (!target) return undefined;
  const { sha, origin, path } = target;
  const api = new URL(origin).host === 'github.com' ? 'https://api.github.com' : `${origin}/api/v3`;
  const headers: Record<string, string> = { Accept: 'application/vnd.github+json' };
  if (config.token) headers.Authorization = `Bearer ${config.token}`;
  return json(
    `${api}/repos/${path}/statuses/${sha}`,
    {
      state: event.severity === 'error' ? 'failure' : 'success',
      context: commitStatusContext(event, providerUid),
      description: truncate(event.message, 140),
    },
    headers,
  );
}

/** GitLab commit status: `<host>/api/v4/projects/<url-encoded path>/statuses/<sha>`. */
export function gitlabRequest(
  event: EventPayload,
  config: ProviderConfig,
  providerUid: string,
): OutgoingRequest | undefined {
  const target = commitStatusTarget(event, config);
  if (!target) return undefined;
  const { sha, origin, path } = target;
  const headers: Record<string, string> = {};
  if (config.token) headers['PRIVATE-TOKEN'] = config.token;
  return json(
    `${origin}/api/v4/projects/${encodeURIComponent(path)}/statuses/${sha}`,
    {
      state: event.severity === 'error' ? 'failed' : 'success',
      name: commitStatusContext(event, providerUid),
      description: truncate(event.message, 255),
    },
    headers,
  );
}

/** `sha256=<hex>` HMAC of the body with the token, as generic-hmac receivers verify it. */
export function hmacSignature(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/**
 * The request for one event, or undefined when this provider has nothing to send for it (a
 * commit status for an event without a commit revision).
 */
export function buildRequest(
  event: EventPayload,
  config: ProviderConfig,
  providerUid: string,
): OutgoingRequest | undefined {
  const headers = { ...config.headers };
  switch (config.type) {
    case 'slack': {
      if (config.token) headers.Authorization = `Bearer ${config.token}`;
      if (config.token && !config.channel) {
        throw new ProviderConfigError('InvalidChannel', 'a Slack bot token needs spec.channel');
      }
      return json(config.address, slackPayload(event, config), headers);
    }
    case 'discord': {
      // Discord accepts Slack's payload on the webhook's /slack endpoint.
      const url = new URL(config.address);
      if (!url.pathname.endsWith('/slack')) url.pathname = `${url.pathname.replace(/\/$/, '')}/slack`;
      return json(url.toString(), slackPayload(event, config), headers);
    }
    case 'msteams':
      return json(config.address, msteamsPayload(event), headers);
    case 'googlechat':
      return json(config.address, googleChatPayload(event), headers);
    case 'generic':
      return json(config.address, event, headers);
    case 'generic-hmac': {
      if (!config.token) {
        throw new ProviderConfigError('InvalidSecret', 'generic-hmac needs a token key in spec.secretRef');
      }
      const request = json(config.address, event, headers);
      request.headers['X-Signature'] = hmacSignature(request.body, config.token);
      return request;
    }
    case 'github':
      return githubRequest(event, config, providerUid);
    case 'gitlab':
      return gitlabRequest(event, config, providerUid);
    default:
      throw new ProviderConfigError('UnsupportedType', `provider type ${config.type} is not supported yet`);
  }
}
