/**
 * Tearing down what a controller under test owns: delete every object of a kind in some
 * namespaces, then wait until they are gone, so the controller's finalizers run while it is
 * still there to run them.
 */
import { eventually } from './cluster/wait.ts';

/** What deleteAllAndWait needs of a client; @weft/runtime's `Client` fits. */
export interface CleanupClient {
  list(ref: { apiVersion: string; kind: string; namespace?: string }): Promise<{
    items: { metadata: { name?: string } }[];
  }>;
  delete(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): Promise<void>;
}

export async function deleteAllAndWait(
  client: CleanupClient,
  type: { apiVersion: string; kind: string },
  namespaces: readonly string[],
  timeoutMs: number,
): Promise<void> {
  for (const namespace of namespaces) {
    const list = await client.list({ ...type, namespace });
    for (const item of list.items)
      await client.delete({ ...type, namespace, name: item.metadata.name ?? '' }).catch(() => {});
  }
  await eventually(
    `every ${type.kind} in ${namespaces.join(', ')} finalized`,
    async () => {
      for (const namespace of namespaces)
        if ((await client.list({ ...type, namespace })).items.length > 0) return undefined;
      return true;
    },
    timeoutMs,
  );
}
