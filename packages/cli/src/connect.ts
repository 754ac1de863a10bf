/** A client for the cluster the global flags name, with errors that say what to do. */
import { Client, KubeconfigError, loadDefaultRestConfig, RestConfig } from '@weft/runtime/client';
import { parseDuration } from '@weft/runtime/reconcile';
import { CliError, ExitCode } from './exit.ts';
import type { GlobalOptions } from './global.ts';

export function connect(options: GlobalOptions): Client {
  try {
    const restConfig = options.kubeconfig
      ? RestConfig.fromFiles(options.kubeconfig, { context: options.context })
      : loadDefaultRestConfig({ context: options.context });
    return new Client(restConfig, { fieldManager: 'weft' });
  } catch (error) {
    if (error instanceof KubeconfigError) throw new CliError(error.message, ExitCode.Unreachable);
    throw error;
  }
}

export function timeoutMs(options: GlobalOptions): number {
  try {
    return parseDuration(options.timeout);
  } catch (error) {
    throw new CliError(`--timeout: ${(error as Error).message}`, ExitCode.Usage);
  }
}

/** `GET /version` of the API server: the first call, so an unreachable cluster fails early and clearly. */
export async function serverVersion(
  client: Client,
): Promise<{ gitVersion: string; major: number; minor: number }> {
  let body: unknown;
  try {
    body = (
      await client.transport.request({ method: 'GET', path: '/version', context: 'get server version' })
    ).body;
  } catch (error) {
    const server = client.kubeConfig?.getCurrentCluster()?.server ?? 'the cluster';
    throw new CliError(`cannot reach ${server}: ${(error as Error).message}`, ExitCode.Unreachable);
  }
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const gitVersion = String(record.gitVersion ?? 'unknown');
  const match = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  return { gitVersion, major: Number(match?.[1] ?? 0), minor: Number(match?.[2] ?? 0) };
}
