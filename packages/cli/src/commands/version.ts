/** `weft version`: this client's version and, when the cluster answers, each installed controller's. */
import { clientVersion } from '../client-version.ts';
import { CliError } from '../exit.ts';
import type { GlobalOptions } from '../global.ts';
import { Output } from '../output.ts';

export interface VersionOptions {
  client: boolean;
}

export async function version(global: GlobalOptions, options: VersionOptions): Promise<void> {
  process.stdout.write(`weft: ${clientVersion}\n`);
  if (options.client) return;
  // The Kubernetes client loads only when the cluster is asked.
  const { connect, serverVersion } = await import('../connect.ts');
  const { imageOf, imageTag, weftDeployments } = await import('../installed.ts');
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
