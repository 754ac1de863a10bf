/**
 * The controller's own `helm uninstall`, for releases whose storage is in another namespace than
 * their objects (spec.storageNamespace), which the helm binary cannot reach: the newest revision
 * is marked `uninstalling`, the objects of its manifest are deleted (not those with
 * `helm.sh/resource-policy: keep`, as Helm), waited for unless disableWait, and then the history
 * is deleted — or, with keepHistory, the revision kept as `uninstalled` ("Uninstallation
 * complete"), as Helm writes it. Only releases the own engine made take this path: they have no
 * hooks to run.
 */
import type { Client, PropagationPolicy } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { inventoryOf, ResourceManager, waitForDeletion } from '@weft/runtime/ssa';
import { manifestObjects } from '../drift.ts';
import { deleteRelease, type HelmReleaseRecord, updateRelease, withStatus } from '../helm/storage.ts';
import { helmFieldManager, keepPolicy, ReleaseActionError } from './release.ts';

export interface UninstallRequest {
  history: readonly HelmReleaseRecord[];
  keepHistory: boolean;
  disableWait: boolean;
  propagationPolicy: PropagationPolicy;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function uninstallRelease(client: Client, request: UninstallRequest): Promise<void> {
  const latest = request.history[0];
  if (!latest || latest.status === 'uninstalled') return;
  const signal = request.signal ? { signal: request.signal } : {};
  await updateRelease(
    client,
    withStatus(latest.raw, 'uninstalling', 'Deletion in progress (or silently failed)'),
    latest.storageNamespace,
  );
  try {
    const objects = (await manifestObjects(client, latest.manifest, latest.namespace)).filter(
      (obj) => obj.metadata.annotations?.[keepPolicy] !== 'keep',
    );
    const manager = new ResourceManager(client, { fieldManager: helmFieldManager });
    await manager.prune(inventoryOf(objects), inventoryOf([]), {
      propagationPolicy: request.propagationPolicy,
    });
    if (!request.disableWait)
      await waitForDeletion(
        client,
        objects.map((obj) => ({
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name ?? '',
          ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        })),
        { timeoutMs: request.timeoutMs, ...signal },
      );
  } catch (error) {
    throw new ReleaseActionError(`uninstallation completed with errors: ${errorMessage(error)}`);
  }
  if (request.keepHistory) {
    const raw = withStatus(latest.raw, 'uninstalled', 'Uninstallation complete');
    (raw.info as Record<string, unknown>).deleted = new Date().toISOString();
    await updateRelease(client, raw, latest.storageNamespace);
    return;
  }
  for (const record of request.history) await deleteRelease(client, record);
}
