/**
 * The cluster's Capabilities as Helm renders them (`.Capabilities.KubeVersion`,
 * `.Capabilities.APIVersions`), read through the controller's own client and given to
 * `helm template` (`--kube-version`, `--api-versions`), so a render without any cluster
 * connection sees the same cluster a `helm install` would. Helm's version set holds every served
 * `group/version` and `group/version/Kind`. Read once, then again after `ttlMs`.
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

export class CapabilitiesCache {
  readonly #transport: Transport;
  readonly #ttlMs: number;
  #current: { at: number; value: Promise<Capabilities> } | undefined;

  constructor(client: Pick<Client, 'transport'>, ttlMs = 60_000) {
    this.#transport = client.transport;
    this.#ttlMs = ttlMs;
  }

  get(now = Date.now()): Promise<Capabilities> {
    if (!this.#current || now - this.#current.at >= this.#ttlMs) {
      const value = readCapabilities(this.#transport);
      this.#current = { at: now, value };
      // A failed read is not kept: the next render asks again.
      value.catch(() => {
        if (this.#current?.value === value) this.#current = undefined;
      });
    }
    return this.#current.value;
  }
}
