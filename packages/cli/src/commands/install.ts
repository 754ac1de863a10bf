/**
 * `weft install`: the chosen controllers and their CRDs, from the same definition as the chart
 * (@weft/install), applied with server-side apply; then waits until each controller is Ready.
 * Re-running applies the same objects again (nothing changes); a new --version rolls the images.
 */
import { renderObjects, toYamlStream } from '@weft/install';
import { applyInstallation } from '../apply-installation.ts';
import { connect, serverVersion, timeoutMs } from '../connect.ts';
import type { GlobalOptions } from '../global.ts';
import { Output } from '../output.ts';
import { type InstallFlags, imageTagOf, readInstallValues } from './install-options.ts';

export interface InstallCommandOptions extends InstallFlags {
  export: boolean;
}

export async function install(global: GlobalOptions, options: InstallCommandOptions): Promise<void> {
  const values = await readInstallValues(options);
  const objects = renderObjects({ namespace: global.namespace, values });
  if (options.export) {
    process.stdout.write(toYamlStream(objects));
    return;
  }
  const output = new Output();
  const timeout = timeoutMs(global);
  const client = connect(global);
  const version = await serverVersion(client);
  output.step(
    `installing weft ${imageTagOf(values)} into ${global.namespace} (Kubernetes ${version.gitVersion})`,
  );
  await applyInstallation(client, objects, output, timeout, { namespace: global.namespace });
  output.ok('install finished');
}
