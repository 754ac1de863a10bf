/**
 * How test files get a cluster. Starting a control plane costs seconds, so a whole test run
 * shares one: `e2e/run test` starts it once and exports WEFT_E2E_KUBECONFIG; every test file
 * attaches to it. Run alone (no variable), a test file starts its own and stops it when done.
 * Tests isolate themselves by namespace (see testNamespace).
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { sleep } from '../servers/process.ts';
import { type Cluster, type ClusterOptions, startCluster } from './cluster.ts';

export const sharedKubeconfigEnv = 'WEFT_E2E_KUBECONFIG';

/**
 * A cluster for this test file: the shared one when the run provides it, else a new one that is
 * stopped after the file. Call it at the top level of the file (`const c = await useCluster()`),
 * not inside before(): node:test runs an after() registered inside a hook right after that hook.
 */
export async function useCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const kubeconfigPath = process.env[sharedKubeconfigEnv];
  if (kubeconfigPath) return attachCluster(kubeconfigPath);
  const cluster = await startCluster(options);
  after(() => cluster.stop());
  return cluster;
}

function attachCluster(kubeconfigPath: string): Cluster {
  const loadConfig = async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    return config;
  };
  const unsupported = (what: string) => () =>
    Promise.reject(new Error(`${what} needs a cluster of its own: use startCluster() in this test`));
  const server = process.env.WEFT_E2E_SERVER ?? '';
  return {
    name: 'shared',
    dir: '',
    kubeconfigPath,
    server,
    etcdUrl: '',
    kubeConfig: loadConfig,
    restartApiserver: unsupported('restartApiserver'),
    etcdCompact: unsupported('etcdCompact'),
    pids: () => [],
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

/**
 * Creates a namespace with a unique name for one test and waits for its default
 * ServiceAccount (pods cannot be created before it exists). Deleted after the test file.
 */
export async function testNamespace(kubeConfig: KubeConfig, prefix = 'test'): Promise<string> {
  const { CoreV1Api } = await import('@kubernetes/client-node');
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'weft.dev/test': 'true' } } } });
  after(async () => {
    await core.deleteNamespace({ name }).catch(() => {});
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return name;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`namespace ${name} got no default ServiceAccount: ${error}`);
      await sleep(100);
    }
  }
}
