/**
 * Flux's MTTP shape for OCIRepositories: N OCIRepositories of one artifact in one registry,
 * created at once; prints the time until all are Ready and source-controller's peak RSS (VmHWM
 * of its own process, started from its bin as deployed). Prints figures; asserts nothing.
 *   node bench/oci-mttp.bench.ts N      (default 100; WEFT_E2E_KUBECONFIG reuses a control plane;
 *                                        extra controller flags in BENCH_FLAGS, e.g. --concurrent=10)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, Label, OCIRepositoryKind, SourceApiVersion } from '@weft/api';
import {
  eventually,
  freePort,
  ManagedProcess,
  nodeEntry,
  repoRoot,
  startOciRegistry,
  testNamespace,
  useCluster,
} from '@weft/e2e';
import { pushArtifact, RegistryClient } from '@weft/oci';
import { Client, type KubeObject } from '@weft/runtime/client';

const count = Number(process.argv[2] ?? 100);
const extraFlags = (process.env.BENCH_FLAGS ?? '').split(' ').filter(Boolean);
const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig, { fieldManager: 'oci-bench' });
for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
await eventually('OCIRepository served', () =>
  client.list({ apiVersion: SourceApiVersion, kind: OCIRepositoryKind, limit: 1 }),
);
const namespace = await testNamespace(kubeConfig, 'oci-bench');
const shard = `bench-${randomBytes(3).toString('hex')}`;
const work = await mkdtemp(join(tmpdir(), 'weft-oci-bench-'));
const registry = await startOciRegistry();

// One artifact: 20 manifests of ~2 KiB, as a small app's deploy directory.
const content = join(work, 'content');
await mkdir(content);
for (let i = 0; i < 20; i++)
  await writeFile(join(content, `cm-${i}.yaml`), `kind: ConfigMap\ndata:\n  v: "${'x'.repeat(2000)}"\n`);
const publisher = new RegistryClient({ registry: registry.host, insecure: true });
const pushed = await pushArtifact({
  client: publisher,
  repository: 'bench/app',
  tag: 'latest',
  dir: content,
});
publisher.close();

const entry = nodeEntry(join(repoRoot, 'packages', 'source-controller', 'bin', 'weft-source-controller.js'));
const controller = new ManagedProcess({
  name: 'source-controller',
  command: process.execPath,
  args: [
    ...entry.args,
    `--kubeconfig=${cluster.kubeconfigPath}`,
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    `--watch-label-selector=${Label.ShardKey}=${shard}`,
    `--storage-path=${join(work, 'artifacts')}`,
    `--storage-addr=127.0.0.1:${await freePort()}`,
    '--log-level=error',
    ...extraFlags,
  ],
  logFile: join(work, 'source-controller.log'),
});
controller.start();

/** Peak resident set of the controller process, from the kernel (MiB). */
async function peakRssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

try {
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let it start and sync its caches
  const idle = await peakRssMiB(controller.pid);
  const start = Date.now();
  const names = Array.from({ length: count }, (_, i) => `app-${i}`);
  const creating = names.map((name) =>
    client.create({
      apiVersion: SourceApiVersion,
      kind: OCIRepositoryKind,
      metadata: { name, namespace, labels: { [Label.ShardKey]: shard } },
      spec: { url: registry.ociUrl('bench/app'), ref: { tag: 'latest' }, insecure: true, interval: '1h' },
    } as KubeObject),
  );
  await Promise.all(creating);
  const created = Date.now() - start;
  const revision = `latest@${pushed.digest}`;
  let ready = 0;
  await eventually(
    `${count} OCIRepositories Ready`,
    async () => {
      const list = await client.list<
        KubeObject & {
          status?: { artifact?: { revision?: string }; conditions?: { type: string; status: string }[] };
        }
      >({
        apiVersion: SourceApiVersion,
        kind: OCIRepositoryKind,
        namespace,
      });
      ready = list.items.filter(
        (item) =>
          item.status?.artifact?.revision === revision &&
          item.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      return ready === count ? true : undefined;
    },
    1_800_000,
  );
  const elapsed = Date.now() - start;
  console.log(
    `OCIRepositories: ${count} of one artifact (${pushed.layer.size} B layer), controller flags: ${extraFlags.join(' ') || '(defaults)'}`,
  );
  console.log(
    `created in ${(created / 1000).toFixed(1)} s; all Ready in ${(elapsed / 1000).toFixed(1)} s (${(((elapsed / count) * 1000) / 1000).toFixed(0)} ms per object)`,
  );
  console.log(
    `source-controller peak RSS: ${(await peakRssMiB(controller.pid)).toFixed(1)} MiB (idle after start ${idle.toFixed(1)} MiB)`,
  );
} finally {
  // Delete while the controller runs, so it removes its finalizers and artifacts; objects left
  // with a finalizer and no controller would stay forever and slow down every later list.
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
  await eventually(
    'the OCIRepositories finalized',
    async () => {
      const left = await client.list({ apiVersion: SourceApiVersion, kind: OCIRepositoryKind, namespace });
      return left.items.length === 0 ? true : undefined;
    },
    600_000,
  ).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await controller.stop();
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
