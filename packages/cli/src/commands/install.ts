/**
 * `weft install`: the chosen controllers and their CRDs, from the same definition as the chart
 * (@weft/install), applied with server-side apply; then waits until each controller is Ready.
 * Re-running applies the same objects again (nothing changes); a new --version rolls the images.
 */
import { type KubeObject, renderObjects, toYamlStream } from '@weft/install';
import { connect, serverVersion, timeoutMs } from '../connect.ts';
import type { GlobalOptions } from '../global.ts';
import { Output } from '../output.ts';
import { waitUntilReady } from '../wait.ts';
import { type InstallFlags, installValues } from './install-options.ts';

export interface InstallCommandOptions extends InstallFlags {
  export: boolean;
}

/** Namespaces and CRDs first: everything else may live in the one or be read through the other. */
function isFirstStage(object: KubeObject): boolean {
  return object.kind === 'Namespace' || object.kind === 'CustomResourceDefinition';
}

export async function install(global: GlobalOptions, options: InstallCommandOptions): Promise<void> {
  const objects = renderObjects({ namespace: global.namespace, values: installValues(options) });
  if (options.export) {
    process.stdout.write(toYamlStream(objects));
    return;
  }
  const output = new Output();
  const timeout = timeoutMs(global);
  const client = connect(global);
  const version = await serverVersion(client);
  output.step(
    `installing weft ${options.version} into ${global.namespace} (Kubernetes ${version.gitVersion})`,
  );
  const first = objects.filter(isFirstStage);
  const rest = objects.filter((object) => !isFirstStage(object));
  for (const stage of [first, rest]) {
    // force: weft's own objects are weft's, whoever changed them since (kubectl edit, helm).
    for (const object of stage) await client.apply(object, { force: true });
    if (stage === first) {
      output.ok(`applied ${first.length} namespace and CRD objects`);
      await waitUntilReady(
        client,
        first.filter((object) => object.kind === 'CustomResourceDefinition'),
        timeout,
      );
      output.ok('CRDs established');
    }
  }
  output.ok(`applied ${rest.length} objects`);
  output.step('waiting for the controllers to become ready');
  await waitUntilReady(
    client,
    objects.filter((object) => object.kind === 'Deployment'),
    timeout,
    output,
  );
  output.ok('install finished');
}
