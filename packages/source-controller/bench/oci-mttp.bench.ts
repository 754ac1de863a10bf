/**
 * Flux's MTTP shape for OCIRepositories: N OCIRepositories of one artifact in one registry,
 * created at once; measures the time until all are Ready, the controller's CPU seconds and its
 * peak RSS (the kernel's VmHWM and utime+stime of the process, started fresh for each run), for
 * weft's source-controller (from its bin, as deployed) and, with --flux, Flux's own
 * source-controller (built from the Go module proxy, see flux-source-controller.ts) on the same
 * control plane, side by side. Prints a table with the load average; asserts nothing.
 *   node bench/oci-mttp.bench.ts [N ...] [--flux]   (default N 100; WEFT_E2E_KUBECONFIG reuses a
 *                                 control plane; extra weft flags in BENCH_FLAGS, Flux's in BENCH_FLUX_FLAGS)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, OCIRepositoryKind, SourceApiVersion } from '@weft/api';
import {
  eventually,
  freePort,
  ManagedProcess,
  nodeEntry,
  type OciRegistry,
  repoRoot,
  startOciRegistry,
  useCluster,
} from '@weft/e2e';
import { pushArtifact, RegistryClient } from '@weft/oci';
import { Client, type KubeObject } from '@weft/runtime/client';
import { parseAllDocuments } from 'yaml';
import { fluxSourceController, fluxSourceControllerVersion } from './flux-source-controller.ts';

const args = process.argv.slice(2);
const withFlux = args.includes('--flux');
const counts = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
if (counts.length === 0) counts.push(100);
const weftFlags = (process.env.BENCH_FLAGS ?? '').split(' ').filter(Boolean);
const fluxFlags = (process.env.BENCH_FLUX_FLAGS ?? '').split(' ').filter(Boolean);
const shardLabel = 'bench.weft.dev/shard';
const fluxApiVersion = 'source.toolkit.fluxcd.io/v1';

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig, { fieldManager: 'oci-bench' });
const flux = withFlux ? await fluxSourceController((line) => console.error(line)) : undefined;
for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
for (const file of flux?.crdFiles ?? [])
  for (const doc of parseAllDocuments(await readFile(file, 'utf8')))
    await client.apply(doc.toJS() as KubeObject, { force: true });
for (const apiVersion of [SourceApiVersion, ...(flux ? [fluxApiVersion] : [])])
  await eventually(`${apiVersion} OCIRepository served`, () =>
    client.list({ apiVersion, kind: OCIRepositoryKind, limit: 1 }),
  );
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

interface Contender {
  name: string;
  apiVersion: string;
  start(shard: string, storage: string): Promise<ManagedProcess>;
}

const weft: Contender = {
  name: 'weft',
  apiVersion: SourceApiVersion,
  async start(shard, storage) {
    const entry = nodeEntry(
      join(repoRoot, 'packages', 'source-controller', 'bin', 'weft-source-controller.js'),
    );
    return new ManagedProcess({
      name: 'weft-source-controller',
      command: process.execPath,
      args: [
        ...entry.args,
        `--kubeconfig=${cluster.kubeconfigPath}`,
        '--metrics-addr=127.0.0.1:0',
        '--health-addr=127.0.0.1:0',
        `--watch-label-selector=${shardLabel}=${shard}`,
        `--storage-path=${storage}`,
        `--storage-addr=127.0.0.1:${await freePort()}`,
        '--log-level=error',
        ...weftFlags,
      ],
      logFile: `${storage}.log`,
    });
  },
};

const fluxContender = (binary: string): Contender => ({
  name: `flux ${fluxSourceControllerVersion}`,
  apiVersion: fluxApiVersion,
  async start(shard, storage) {
    const port = await freePort();
    return new ManagedProcess({
      name: 'flux-source-controller',
      command: binary,
      args: [
        `--watch-label-selector=${shardLabel}=${shard}`,
        `--storage-path=${storage}`,
        `--storage-addr=127.0.0.1:${port}`,
        `--storage-adv-addr=127.0.0.1:${port}`,
        `--metrics-addr=127.0.0.1:${await freePort()}`,
        `--health-addr=127.0.0.1:${await freePort()}`,
        '--enable-leader-election=false',
        '--log-level=error',
        ...fluxFlags,
      ],
      env: { KUBECONFIG: cluster.kubeconfigPath, RUNTIME_NAMESPACE: 'default' },
      logFile: `${storage}.log`,
    });
  },
});

/** Peak resident set (MiB) and CPU seconds (user + system) of a process, from the kernel. */
async function usage(pid: number | undefined): Promise<{ peakMiB: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  // Fields after the command (which may hold spaces) start at state; utime and stime are 14 and 15.
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { peakMiB: kib / 1024, cpuSeconds: ticks / 100 };
}

interface Row {
  controller: string;
  count: number;
  seconds: number;
  cpuSeconds: number;
  peakMiB: number;
  load: string;
}

async function measure(contender: Contender, count: number, target: OciRegistry): Promise<Row> {
  const shard = `bench-${randomBytes(3).toString('hex')}`;
  const namespace = `oci-bench-${shard}`;
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject);
  await mkdir(join(work, shard)); // Flux refuses a storage path that does not exist yet
  const controller = await contender.start(shard, join(work, shard));
  controller.start();
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000)); // let it start and sync its caches
    const before = await usage(controller.pid);
    const start = Date.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        client.create({
          apiVersion: contender.apiVersion,
          kind: OCIRepositoryKind,
          metadata: { name: `app-${i}`, namespace, labels: { [shardLabel]: shard } },
          spec: { url: target.ociUrl('bench/app'), ref: { tag: 'latest' }, insecure: true, interval: '1h' },
        } as KubeObject),
      ),
    );
    const revision = `latest@${pushed.digest}`;
    await eventually(
      `${count} ${contender.name} OCIRepositories Ready`,
      async () => {
        const list = await client.list<
          KubeObject & {
            status?: { artifact?: { revision?: string }; conditions?: { type: string; status: string }[] };
          }
        >({ apiVersion: contender.apiVersion, kind: OCIRepositoryKind, namespace });
        const ready = list.items.filter(
          (item) =>
            item.status?.artifact?.revision === revision &&
            item.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        return ready === count ? true : undefined;
      },
      1_800_000,
    );
    const seconds = (Date.now() - start) / 1000;
    const after = await usage(controller.pid);
    return {
      controller: contender.name,
      count,
      seconds,
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      peakMiB: after.peakMiB,
      load: loadavg()
        .map((n) => n.toFixed(1))
        .join(' '),
    };
  } finally {
    // Delete while the controller runs, so it removes its finalizers and artifacts; objects left
    // with a finalizer and no controller would stay forever and slow down every later list.
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
    await eventually(
      `the ${contender.name} OCIRepositories finalized`,
      async () => {
        const left = await client.list({
          apiVersion: contender.apiVersion,
          kind: OCIRepositoryKind,
          namespace,
        });
        return left.items.length === 0 ? true : undefined;
      },
      600_000,
    ).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    await controller.stop();
  }
}

const contenders = [weft, ...(flux ? [fluxContender(flux.binary)] : [])];
const rows: Row[] = [];
try {
  for (const count of counts)
    for (const contender of contenders) {
      const row = await measure(contender, count, registry);
      rows.push(row);
      console.error(`${row.controller} N=${count}: ${row.seconds.toFixed(1)} s`);
    }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
console.log(
  `OCIRepositories of one artifact (${pushed.layer.size} B layer); weft flags: ${weftFlags.join(' ') || '(defaults)'}; flux flags: ${fluxFlags.join(' ') || '(defaults)'}`,
);
console.log('| controller | N | all Ready (s) | CPU (s) | peak RSS (MiB) | load avg 1/5/15 at end |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows)
  console.log(
    `| ${row.controller} | ${row.count} | ${row.seconds.toFixed(1)} | ${row.cpuSeconds.toFixed(1)} | ${row.peakMiB.toFixed(1)} | ${row.load} |`,
  );
