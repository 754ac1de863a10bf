/**
 * N ImageRepositories × T tags (Flux's scale question for image-reflector-controller): N registry
 * repositories of T tags each, one ImageRepository per repository, created at once. Prints the
 * time until every one is Ready with T tags, the controller's CPU seconds and peak RSS (its own
 * process, started from its bin as deployed), then restarts the controller on the same tag store
 * and prints how many tag lists the restart fetched (none is due). Prints figures; asserts nothing.
 *   node bench/reflector.bench.ts [N=1000] [T=50]   (WEFT_E2E_KUBECONFIG reuses a control plane;
 *                                                    extra controller flags in BENCH_FLAGS)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, ImageApiVersion, ImageRepositoryKind, Label } from '@weft/api';
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
import { RegistryClient } from '@weft/oci';
import { Client, type KubeObject } from '@weft/runtime/client';
import { pushTags } from '../test/reflector-helpers.ts';

const count = Number(process.argv[2] ?? 1000);
const tagsPerRepository = Number(process.argv[3] ?? 50);
const extraFlags = (process.env.BENCH_FLAGS ?? '').split(' ').filter(Boolean);
const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig, { fieldManager: 'reflector-bench' });
for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
await eventually('ImageRepository served', () =>
  client.list({ apiVersion: ImageApiVersion, kind: ImageRepositoryKind, limit: 1 }),
);
const namespace = await testNamespace(kubeConfig, 'reflector-bench');
const shard = `bench-${randomBytes(3).toString('hex')}`;
const work = await mkdtemp(join(tmpdir(), 'weft-reflector-bench-'));
const registry = await startOciRegistry({ accessLog: true });
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

const pushStart = Date.now();
const publisher = new RegistryClient({ registry: registry.host, insecure: true });
const tags = Array.from({ length: tagsPerRepository }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);
const repositories = Array.from({ length: count }, (_, i) => `bench/app-${i}`);
for (let i = 0; i < repositories.length; i += 8)
  await Promise.all(
    repositories.slice(i, i + 8).map((repository) => pushTags(publisher, repository, tags, 2)),
  );
publisher.close();
console.log(
  `pushed ${count} repositories × ${tagsPerRepository} tags in ${((Date.now() - pushStart) / 1000).toFixed(1)} s (load ${load()})`,
);

const tagListRequests = () => registry.requests().filter((line) => line.endsWith('/tags/list')).length;
const metricsPort = await freePort();
const entry = nodeEntry(
  join(repoRoot, 'packages', 'image-automation-controller', 'bin', 'weft-image-automation-controller.js'),
);
const newController = () =>
  new ManagedProcess({
    name: 'image-automation-controller',
    command: process.execPath,
    args: [
      ...entry.args,
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      '--health-addr=0',
      `--watch-label-selector=${Label.ShardKey}=${shard}`,
      `--storage-path=${join(work, 'tags')}`,
      '--log-level=error',
      ...extraFlags,
    ],
    logFile: join(work, 'controller.log'),
  });

/** Peak resident set (MiB) and CPU seconds (user + system) of a process, from the kernel. */
async function usage(pid: number | undefined): Promise<{ peakRssMiB: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime, in clock ticks of 1/100 s); the split
  // after the command name makes them 11 and 12.
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { peakRssMiB: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024, cpuSeconds: ticks / 100 };
}

/** `weft_reconcile_total` of ImageRepository, all results, from the controller's /metrics. */
async function reconciles(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('weft_reconcile_total{') && line.includes('kind="ImageRepository"'))
      total += Number(line.split(' ').at(-1));
  return total;
}

type RepositoryObject = KubeObject & {
  status?: { lastScanResult?: { tagCount?: number }; conditions?: { type: string; status: string }[] };
};

let controller = newController();
controller.start();
try {
  await eventually('controller metrics served', () =>
    reconciles()
      .then(() => true)
      .catch(() => undefined),
  );
  const idle = await usage(controller.pid);
  const start = Date.now();
  const names = Array.from({ length: count }, (_, i) => `app-${i}`);
  for (let i = 0; i < names.length; i += 50)
    await Promise.all(
      names.slice(i, i + 50).map((name, j) =>
        client.create({
          apiVersion: ImageApiVersion,
          kind: ImageRepositoryKind,
          metadata: { name, namespace, labels: { [Label.ShardKey]: shard } },
          spec: { image: `${registry.host}/${repositories[i + j]}`, interval: '1h', insecure: true },
        } as KubeObject),
      ),
    );
  const created = Date.now() - start;
  await eventually(
    `${count} ImageRepositories Ready with ${tagsPerRepository} tags`,
    async () => {
      const list = await client.list<RepositoryObject>({
        apiVersion: ImageApiVersion,
        kind: ImageRepositoryKind,
        namespace,
      });
      const ready = list.items.filter(
        (item) =>
          item.status?.lastScanResult?.tagCount === tagsPerRepository &&
          item.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      return ready === count ? true : undefined;
    },
    1_800_000,
  );
  const elapsed = Date.now() - start;
  const scanned = await usage(controller.pid);
  console.log(
    `ImageRepositories: ${count} × ${tagsPerRepository} tags, controller flags: ${extraFlags.join(' ') || '(defaults)'}`,
  );
  console.log(
    `created in ${(created / 1000).toFixed(1)} s; all scanned and Ready in ${(elapsed / 1000).toFixed(1)} s (${(elapsed / count).toFixed(1)} ms per repository; load ${load()})`,
  );
  console.log(
    `controller: ${(scanned.cpuSeconds - idle.cpuSeconds).toFixed(1)} CPU s for the scans; peak RSS ${scanned.peakRssMiB.toFixed(1)} MiB (idle after start ${idle.peakRssMiB.toFixed(1)} MiB); tag list requests ${tagListRequests()}`,
  );

  // Restart on the same tag store: every repository is reconciled, none is due, none is rescanned.
  await controller.stop();
  const before = tagListRequests();
  const restartStart = Date.now();
  controller = newController();
  controller.start();
  await eventually(
    `${count} ImageRepositories reconciled after the restart`,
    () =>
      reconciles()
        .then((n) => (n >= count ? true : undefined))
        .catch(() => undefined),
    600_000,
  );
  const restarted = await usage(controller.pid);
  console.log(
    `restart: ${count} reconciled in ${((Date.now() - restartStart) / 1000).toFixed(1)} s with ${tagListRequests() - before} tag list requests; ${restarted.cpuSeconds.toFixed(1)} CPU s, peak RSS ${restarted.peakRssMiB.toFixed(1)} MiB (load ${load()})`,
  );
} finally {
  // Delete while the controller runs, so it removes its finalizers and stored lists.
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
  await eventually(
    'the ImageRepositories finalized',
    async () => {
      const left = await client.list({ apiVersion: ImageApiVersion, kind: ImageRepositoryKind, namespace });
      return left.items.length === 0 ? true : undefined;
    },
    600_000,
  ).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await controller.stop();
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
