import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { Annotation, crds, type GitRepository, Label, SourceApiVersion } from '@weft/api';
// The shared poller, re-exported so the tests keep importing it from here.
import { eventually } from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { Manager } from '@weft/runtime/manager';
import { addSourceController, parseSourceControllerFlags } from '../src/index.ts';

export { eventually };

export type KubeConfig = NonNullable<ConstructorParameters<typeof Client>[0]>;

export const gitRepositoryType = { apiVersion: SourceApiVersion, kind: 'GitRepository' } as const;
export type GitRepositoryObject = GitRepository & KubeObject;

export { sleep } from '@weft/runtime/retry';

/** Installs the weft CRDs and waits until GitRepository is served. */
export async function installCrds(kubeConfig: KubeConfig): Promise<void> {
  const installer = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  for (const crd of crds()) await installer.apply(crd as unknown as KubeObject, { force: true });
  await eventually('GitRepository served', () =>
    new Client(kubeConfig).list({ ...gitRepositoryType, limit: 1 }),
  );
}

export function condition(obj: GitRepositoryObject | undefined, type: string) {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Downloads a URL's bytes. */
export function download(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        response.statusCode === 200
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`GET ${url}: HTTP ${response.statusCode}`)),
      );
    }).on('error', reject);
  });
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function requestReconcile(client: Client, namespace: string, name: string): Promise<string> {
  const value = new Date().toISOString() + Math.random().toString(16).slice(2, 6);
  return client
    .patch(
      { ...gitRepositoryType, namespace, name },
      { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: value } } },
    )
    .then(() => value);
}

/**
 * source-controller in this process, sharded on `shard`, storing into `storageDir`, with `args`
 * after the shared ones (default: artifacts collected at once); stop the manager after.
 */
export async function startController(
  kubeConfig: KubeConfig,
  storageDir: string,
  shard: string,
  args: readonly string[] = ['--artifact-retention-ttl=0s'],
): Promise<Manager> {
  const config = parseSourceControllerFlags(
    [
      `--storage-path=${storageDir}`,
      '--storage-addr=127.0.0.1:0',
      '--metrics-addr=0',
      '--health-addr=0',
      `--watch-label-selector=${Label.ShardKey}=${shard}`,
      ...args,
    ],
    {},
  );
  const manager = new Manager({ name: 'source-controller', flags: config.runtime, kubeConfig });
  addSourceController(manager, config);
  await manager.start();
  return manager;
}
