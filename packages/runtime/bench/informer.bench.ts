/**
 * Informer memory: heap held per 10,000 cached ConfigMaps, with the default transform (strips
 * metadata.managedFields) and without any. Starts its own cluster (or uses WEFT_E2E_KUBECONFIG).
 *   node --expose-gc packages/runtime/bench/informer.bench.ts [count]
 */
import { KubeConfig } from '@kubernetes/client-node';
import { startCluster } from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { Informer } from '@weft/runtime/informer';
import { sleep } from '@weft/runtime/retry';
import { mapLimit } from '@weft/runtime/ssa';

const count = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const shared = process.env.WEFT_E2E_KUBECONFIG;
const cluster = shared ? undefined : await startCluster();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(shared ?? cluster!.kubeconfigPath);
const client = new Client(kubeConfig, { fieldManager: 'bench' });
const ns = `bench-informer-${Date.now()}`;

function heapMiB(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/**
 * Heap held by an informer's cache: heap with the synced informer minus heap once it is stopped
 * and dropped (a before/after-start difference is drowned by garbage from creating the objects).
 */
async function measure(
  label: string,
  transform: ((o: KubeObject) => KubeObject) | null | undefined,
): Promise<void> {
  const start = performance.now();
  let informer: Informer | undefined = new Informer(client, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: ns,
    ...(transform === undefined ? {} : { transform }),
  });
  await informer.start();
  const syncMs = performance.now() - start;
  const cached = informer.size;
  const withCache = heapMiB();
  await informer.stop();
  informer = undefined;
  await sleep(100);
  const held = withCache - heapMiB();
  console.log(
    `${label.padEnd(34)} ${cached} objects  sync ${syncMs.toFixed(0)} ms  heap ${held.toFixed(1)} MiB  ` +
      `(${((held * 1024 * 1024) / cached).toFixed(0)} B/object, ${((held * 10_000) / cached).toFixed(1)} MiB per 10,000)`,
  );
}

try {
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const started = performance.now();
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    32,
    (i) =>
      client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: ns, labels: { app: `app-${i % 50}`, tier: 'bench' } },
        data: { 'config.yaml': `name: app-${i}\nreplicas: 3\nimage: example/app:${i}\n`, version: String(i) },
      }),
  );
  console.log(`created ${count} ConfigMaps in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await measure('default (managedFields stripped)', undefined);
  await measure('no transform (managedFields kept)', null);
} finally {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch(() => {});
  await cluster?.stop();
}
