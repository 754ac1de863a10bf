/**
 * The cluster's Capabilities as Helm renders them (`.Capabilities.KubeVersion`,
 * `.Capabilities.APIVersions`), read through the controller's own client and given to
 * `helm template` (`--kube-version`, `--api-versions`), so a render without any cluster
 * connection sees the same cluster a `helm install` would. Helm's version set holds every served
 * `group/version` and `group/version/Kind`.
 */
import type { Client } from '@weft/runtime/client';
import { isRecord } from '@weft/runtime/client';

export interface Capabilities {
  kubeVersion: string;
  apiVersions: string[];
}

type Transport = Client['transport'];

async function getJson(transport: Transport, path: string): Promise<Record<string, unknown>> {
  const { body } = await transport.request({ method: 'GET', path, context: `discover ${path}` });
  return isRecord(body) ? body : {};
}

function resourceKinds(list: Record<string, unknown>): string[] {
  const resources = Array.isArray(list.resources) ? list.resources : [];
  return resources.flatMap((item) =>
    isRecord(item) &&
    typeof item.kind === 'string' &&
    typeof item.name === 'string' &&
    !item.name.includes('/')
      ? [item.kind]
      : [],
  );
}

async function readCapabilities(transport: Transport): Promise<Capabilities> {
  const version = await getJson(transport, '/version');
  const groupVersions = ['v1'];
  const groups = await getJson(transport, '/apis');
  for (const group of Array.isArray(groups.groups) ? groups.groups : []) {
    if (!isRecord(group) || !Array.isArray(group.versions)) continue;
    for (const entry of group.versions)
      if (isRecord(entry) && typeof entry.groupVersion === 'string') groupVersions.push(entry.groupVersion);
  }
  const apiVersions = new Set<string>();
  await Promise.all(
    groupVersions.map(async (groupVersion) => {
      const list = await getJson(
        transport,
        groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`,
      ).catch(() => ({}));
      apiVersions.add(groupVersion);
      for (const kind of resourceKinds(list)) apiVersions.add(`${groupVersion}/${kind}`);
    }),
  );
  return {
    kubeVersion: typeof version.gitVersion === 'string' ? version.gitVersion : '',
    apiVersions: [...apiVersions].sort(),
  };
}

/** Capabilities per cluster (by API server address), each read again after `ttlMs`. */
export class CapabilitiesCache {
  readonly #ttlMs: number;
  readonly #clusters = new Map<string, { at: number; value: Promise<Capabilities> }>();

  constructor(ttlMs = 60_000) {
    this.#ttlMs = ttlMs;
  }

  get(client: Pick<Client, 'transport'>, now = Date.now()): Promise<Capabilities> {
    const server = client.transport.server;
    const current = this.#clusters.get(server);
    if (current && now - current.at < this.#ttlMs) return current.value;
    const value = readCapabilities(client.transport);
    this.#clusters.set(server, { at: now, value });
    // A failed read is not kept: the next render asks again.
    value.catch(() => {
      if (this.#clusters.get(server)?.value === value) this.#clusters.delete(server);
    });
    return value;
  }
}
