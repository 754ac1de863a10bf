/**
 * Installs CustomResourceDefinitions the way the tests need them: applied server-side as raw
 * JSON (so `enum`, `default` and `x-kubernetes-*` survive, unlike client-node's typed API) and
 * waited for until each is Established.
 */
import { eventually } from './cluster/wait.ts';

/** What installCrds needs of a client; @weft/runtime's `Client` fits. */
export interface CrdClient {
  apply(object: never, options: { force: boolean; fieldManager: string }): Promise<unknown>;
  get(ref: { apiVersion: string; kind: string; name: string }): Promise<object>;
}

export interface CrdObject {
  metadata: { name: string };
}

export async function installCrds(
  client: CrdClient,
  crds: readonly CrdObject[],
  fieldManager = 'weft-tests',
): Promise<void> {
  for (const crd of crds) await client.apply(crd as never, { force: true, fieldManager });
  await eventually('CRDs established', async () => {
    for (const crd of crds) {
      const live = await client.get({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: crd.metadata.name,
      });
      const { status } = live as { status?: { conditions?: { type: string; status: string }[] } };
      const conditions = status?.conditions;
      if (!conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return undefined;
    }
    return true;
  });
}
