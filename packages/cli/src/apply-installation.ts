/**
 * Applies an installation's objects with server-side apply and waits until its controllers are
 * Ready. `weft install` uses it; `weft bootstrap` (next) will too, after committing the same
 * objects (`toYamlStream`) to Git as `weft-components.yaml`.
 */
import type { KubeObject } from '@weft/install';
import type { Client } from '@weft/runtime/client';
import type { Output } from './output.ts';
import { waitUntilReady } from './wait.ts';

/** Namespaces and CRDs first: everything else may live in the one or be read through the other. */
function isFirstStage(object: KubeObject): boolean {
  return object.kind === 'Namespace' || object.kind === 'CustomResourceDefinition';
}

export async function applyInstallation(
  client: Client,
  objects: readonly KubeObject[],
  output: Output,
  timeoutMs: number,
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
  output.step('waiting for the controllers to become ready');
  await waitUntilReady(
    client,
    objects.filter((object) => object.kind === 'Deployment'),
    timeoutMs,
    output,
  );
}
