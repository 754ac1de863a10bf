/** `weft version`: this client's version and, when the cluster answers, each installed controller's. */
import { weftVersion } from '@weft/install';
import { connect, serverVersion } from '../connect.ts';
import { CliError } from '../exit.ts';
import type { GlobalOptions } from '../global.ts';
import { imageOf, imageTag, weftDeployments } from '../installed.ts';
import { Output } from '../output.ts';

export interface VersionOptions {
  client: boolean;
}

export async function version(global: GlobalOptions, options: VersionOptions): Promise<void> {
  process.stdout.write(`weft: ${weftVersion}\n`);
  if (options.client) return;
  try {
    const client = connect(global);
    await serverVersion(client);
    for (const deployment of await weftDeployments(client, global.namespace)) {
      process.stdout.write(`${deployment.metadata.name}: ${imageTag(imageOf(deployment))}\n`);
    }
  } catch (error) {
    // The client's version is still worth printing: say why the controllers' are missing.
    if (!(error instanceof CliError)) throw error;
    new Output().warn(`controllers: ${error.message}`);
  }
}
