/**
 * Applies an installation's objects with server-side apply and waits until its controllers are
 * Ready; then removes what an earlier run installed and this one no longer holds (a controller
 * dropped from `--components`). `weft install` and `weft bootstrap` both use it.
 */
import type { KubeObject } from '@weft/install';
import type { Client } from '@weft/runtime/client';
import { deleteIfPresent, installationObjects } from './installed.ts';
import type { Output } from './output.ts';
import { waitUntilReady } from './wait.ts';

/** Namespaces and CRDs first: everything else may live in the one or be read through the other. */
function isFirstStage(object: KubeObject): boolean {
  return object.kind === 'Namespace' || object.kind === 'CustomResourceDefinition';
}

function objectKey(
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string | undefined,
) {
  return `${apiVersion}/${kind}/${namespace ?? ''}/${name ?? ''}`;
}

/**
 * Deletes the installation's objects (by its labels) that `objects` no longer holds. CRDs are
 * never deleted here: that would delete every object of their kinds; `weft uninstall` does it.
 */
export async function pruneInstallation(
  client: Client,
  namespace: string,
  objects: readonly KubeObject[],
): Promise<string[]> {
  const wanted = new Set(
    objects.map((o) => objectKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name)),
  );
  const pruned: string[] = [];
  for (const ref of await installationObjects(client, namespace)) {
    if (wanted.has(objectKey(ref.apiVersion, ref.kind, ref.namespace, ref.name))) continue;
    await deleteIfPresent(client, ref);
    pruned.push(`${ref.kind} ${ref.name}`);
  }
  return pruned;
}

export async function applyInstallation(
  client: Client,
  objects: readonly KubeObject[],
  output: Output,
  timeoutMs: number,
  /** The installation's namespace: prune what an earlier run left there. */
  prune?: { namespace: string },
): Promise<void> {
  const first = objects.filter(isFirstStage);
  const rest = objects.filter((object) => !isFirstStage(object));
  // force: weft's own objects are weft's, whoever changed them since (kubectl edit, helm).
  for (const object of first) await client.apply(object, { force: true });
  output.ok(`applied ${first.length} namespace and CRD objects`);
  await waitUntilReady(
    client,
    first.filter((object) => object.kind === 'CustomResourceDefinition'),
    timeoutMs,
  );
  output.ok('CRDs established');
  for (const object of rest) await client.apply(object, { force: true });
  output.ok(`applied ${rest.length} objects`);
  if (prune) {
    const pruned = await pruneInstallation(client, prune.namespace, objects);
    if (pruned.length > 0)
      output.ok(`removed ${pruned.length} objects no longer installed: ${pruned.join(', ')}`);
  }
  output.step('waiting for the controllers to become ready');
  await waitUntilReady(
    client,
    objects.filter((object) => object.kind === 'Deployment'),
    timeoutMs,
    output,
  );
}
