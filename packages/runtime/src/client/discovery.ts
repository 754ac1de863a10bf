/**
 * Maps apiVersion + kind to the REST resource (plural, namespaced) through the discovery API,
 * one group/version at a time. A miss refreshes that group/version, so kinds whose CRD was
 * installed after the cache was filled are found without a restart.
 */
import { NoKindMatchError, NotFoundError } from './errors.ts';
import type { Transport } from './transport.ts';
import { isRecord, parseApiVersion, type ResourceMapping } from './types.ts';

interface GroupVersionEntry {
  /** kind → mapping; undefined when the group/version is not served at all. */
  kinds: Map<string, ResourceMapping> | undefined;
  fetchedAt: number;
}

export interface DiscoveryOptions {
  /** A miss re-fetches a group/version at most this often (default 500 ms). */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

export class Discovery {
  readonly #transport: Transport;
  readonly #entries = new Map<string, GroupVersionEntry>();
  readonly #inflight = new Map<string, Promise<GroupVersionEntry>>();
  readonly #minRefreshIntervalMs: number;
  readonly #now: () => number;

  constructor(transport: Transport, options: DiscoveryOptions = {}) {
    this.#transport = transport;
    this.#minRefreshIntervalMs = options.minRefreshIntervalMs ?? 500;
    this.#now = options.now ?? Date.now;
  }

  /** The mapping for a kind; throws NoKindMatchError when the cluster does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const found = await this.tryResolve(apiVersion, kind);
    if (!found) throw new NoKindMatchError(apiVersion, kind);
    return found;
  }

  /** The mapping for a kind, or undefined when the cluster does not serve it (after a refresh). */
  async tryResolve(apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    let entry = this.#entries.get(apiVersion);
    const hit = entry?.kinds?.get(kind);
    if (hit) return hit;
    if (!entry || this.#now() - entry.fetchedAt >= this.#minRefreshIntervalMs) {
      entry = await this.#fetch(apiVersion);
    }
    return entry.kinds?.get(kind);
  }

  /** Forgets everything (e.g. after CRDs were deleted). */
  invalidate(apiVersion?: string): void {
    if (apiVersion) this.#entries.delete(apiVersion);
    else this.#entries.clear();
  }

  #fetch(apiVersion: string): Promise<GroupVersionEntry> {
    const running = this.#inflight.get(apiVersion);
    if (running) return running;
    const promise = this.#load(apiVersion).finally(() => this.#inflight.delete(apiVersion));
    this.#inflight.set(apiVersion, promise);
    return promise;
  }

  async #load(apiVersion: string): Promise<GroupVersionEntry> {
    const { group, version } = parseApiVersion(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    let body: unknown;
    try {
      body = (await this.#transport.request({ method: 'GET', path, context: `discover ${apiVersion}` })).body;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      const entry: GroupVersionEntry = { kinds: undefined, fetchedAt: this.#now() };
      this.#entries.set(apiVersion, entry);
      return entry;
    }
    const entry: GroupVersionEntry = {
      kinds: parseResourceList(body, group, version),
      fetchedAt: this.#now(),
    };
    this.#entries.set(apiVersion, entry);
    return entry;
  }
}

/** Reads an `APIResourceList` into kind → mapping (subresources fold into their parent). */
export function parseResourceList(
  body: unknown,
  group: string,
  version: string,
): Map<string, ResourceMapping> {
  const kinds = new Map<string, ResourceMapping>();
  const resources = isRecord(body) && Array.isArray(body.resources) ? body.resources : [];
  const withStatus = new Set<string>();
  for (const item of resources) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    const [resource, sub] = item.name.split('/');
    if (sub === 'status' && resource) withStatus.add(resource);
  }
  for (const item of resources) {
    if (!isRecord(item) || typeof item.name !== 'string' || typeof item.kind !== 'string') continue;
    if (item.name.includes('/')) continue;
    kinds.set(item.kind, {
      group,
      version,
      kind: item.kind,
      resource: item.name,
      namespaced: item.namespaced === true,
      hasStatus: withStatus.has(item.name),
    });
  }
  return kinds;
}
