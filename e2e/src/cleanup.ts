/**
 * Tearing down what a controller under test owns: delete every object of a kind in some
 * namespaces, then wait until they are gone, so the controller's finalizers run while it is
 * still there to run them.
 */
import { after } from 'node:test';
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

/**
 * Stops a controller under test after its objects are gone: deletes every `type` object of
 * `namespaces` and waits for their finalizers (the controller still runs them), then `stop()`.
 * A cluster already gone is not an error here. Registered as an `after` hook of the test file;
 * the returned function does the same earlier, once.
 */
export function stopAfterDeleting(
  client: CleanupClient,
  type: { apiVersion: string; kind: string },
  namespaces: readonly string[],
  timeoutMs: number,
  stop: () => Promise<unknown>,
): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const run = () => {
    stopping ??= (async () => {
      try {
        await deleteAllAndWait(client, type, namespaces, timeoutMs);
      } catch {
        // The cluster may be gone already (a file that started its own).
      }
      await stop();
    })();
    return stopping;
  };
  after(run);
  return run;
}
