/**
 * Flux's MTTP shape for OCIRepositories: N OCIRepositories of one artifact in one registry,
 * created at once; measures the time until all are Ready, the controller's CPU seconds and its
 * peak RSS (the kernel's VmHWM and utime+stime of the process, started fresh for each run), for
 * weft's source-controller (from its bin, as deployed) and, with --flux, Flux's own
 * source-controller (built from the Go module proxy, see flux-source-controller.ts) on the same
 * control plane, side by side. Also where the work went, per object: API server requests by verb
 * and resource (the API server's own request counter, the bench's creates left out) and registry
 * requests (its access log). Readiness is followed with one watch, not by listing: a list of N
 * objects every 200 ms would load the API server the contenders share. Prints tables with the
 * load average; asserts nothing.
 *   node bench/oci-mttp.bench.ts [N ...] [--flux] [--base=DIR]   (default N 100; --base adds the
 *     source-controller of another checkout DIR, e.g. `git archive main` with node_modules linked,
 *     for a before/after under the same load; WEFT_E2E_KUBECONFIG reuses a
 *     control plane; extra weft flags in BENCH_FLAGS, Flux's in BENCH_FLUX_FLAGS, node flags for
 *     weft's process in BENCH_NODE_FLAGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`;
 *     BENCH_HEAP_SNAPSHOTS=DIR writes a heap snapshot of weft's process once all are Ready)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
import { Informer } from '@weft/runtime/informer';
import { parseAllDocuments } from 'yaml';
import { fluxSourceController, fluxSourceControllerVersion } from './flux-source-controller.ts';

const args = process.argv.slice(2);
const withFlux = args.includes('--flux');
const baseRoot = args.find((arg) => arg.startsWith('--base='))?.slice('--base='.length);
const counts = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
if (counts.length === 0) counts.push(100);
const weftFlags = (process.env.BENCH_FLAGS ?? '').split(' ').filter(Boolean);
const fluxFlags = (process.env.BENCH_FLUX_FLAGS ?? '').split(' ').filter(Boolean);
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
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
const registry = await startOciRegistry({ accessLog: true });

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

const weftFrom = (root: string, name: string): Contender => ({
  name,
  apiVersion: SourceApiVersion,
  async start(shard, storage) {
    const entry = nodeEntry(join(root, 'packages', 'source-controller', 'bin', 'weft-source-controller.js'));
    return new ManagedProcess({
      name: 'weft-source-controller',
      command: process.execPath,
      args: [
        ...nodeFlags,
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
});
const weft = weftFrom(repoRoot, 'weft');

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

/**
 * With BENCH_HEAP_SNAPSHOTS=DIR, a heap snapshot of weft's process once all are Ready (what the
 * cache and the controller keep per object), written by its --heapsnapshot-signal to DIR/<name>.
 */
const heapSnapshots = process.env.BENCH_HEAP_SNAPSHOTS;
if (heapSnapshots) nodeFlags.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapSnapshots}`);

async function heapSnapshot(controller: ManagedProcess, name: string): Promise<void> {
  const dir = heapSnapshots ?? '';
  await mkdir(dir, { recursive: true });
  const before = new Set(await readdir(dir));
  process.kill(controller.pid ?? 0, 'SIGUSR2');
  const written = await eventually(
    `a heap snapshot of ${name}`,
    async () => {
      const file = (await readdir(dir)).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
      if (!file) return undefined;
      // Written once the process answers again: a second snapshot would start after the first.
      const size = (await stat(join(dir, file))).size;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return (await stat(join(dir, file))).size === size && size > 0 ? file : undefined;
    },
    300_000,
  );
  await rename(join(dir, written), join(dir, `${name.replace(/\W+/g, '-')}.heapsnapshot`));
}

/** Peak resident set (MiB) and CPU seconds (user + system) of a process, from the kernel. */
async function usage(pid: number | undefined): Promise<{ peakMiB: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  // Fields after the command (which may hold spaces) start at state; utime and stime are 14 and 15.
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { peakMiB: kib / 1024, cpuSeconds: ticks / 100 };
}

/**
 * The API server's request counter by `verb resource[/subresource]`, from its /metrics, and the
 * seconds it spent on them (`apiserver_request_duration_seconds_sum`, under the key `… seconds`).
 */
async function apiRequests(): Promise<Map<string, number>> {
  const { body } = await client.transport.request({ method: 'GET', path: '/metrics' });
  const counts = new Map<string, number>();
  for (const line of String(body).split('\n')) {
    const total = line.startsWith('apiserver_request_total{');
    if (!total && !line.startsWith('apiserver_request_duration_seconds_sum{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]] as const),
    );
    const resource = `${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    const key = `${labels.verb} ${resource}${total ? '' : ' seconds'}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** Per object: what went to the API server (bench's own creates and watch removed) and to the registry. */
function perObject(
  before: Map<string, number>,
  after: Map<string, number>,
  registryRequests: string[],
  count: number,
): string {
  const api: string[] = [];
  for (const [key, value] of after) {
    if (key.endsWith(' seconds')) continue;
    // The bench's own: N creates, and its watch (watches are long requests, counted when they open).
    const delta = value - (before.get(key) ?? 0) - (key === 'POST ocirepositories' ? count : 0);
    // Below 0.05 per object is background (leases, discovery, a namespace being finalized).
    if (key.startsWith('WATCH ') || delta / count < 0.05) continue;
    // The API server's mean time per request of this kind (the bench's creates included).
    const all = value - (before.get(key) ?? 0);
    const seconds = (after.get(`${key} seconds`) ?? 0) - (before.get(`${key} seconds`) ?? 0);
    api.push(`${key} ${(delta / count).toFixed(2)} (${((seconds / all) * 1000).toFixed(0)} ms)`);
  }
  const registryCounts = new Map<string, number>();
  for (const request of registryRequests) {
    const [method, path] = request.split(' ');
    const kind = /\/(manifests|blobs|tags)\//.exec(path ?? '')?.[1] ?? path;
    const key = `${method} ${kind}`;
    registryCounts.set(key, (registryCounts.get(key) ?? 0) + 1);
  }
  const oci = [...registryCounts].map(([key, value]) => `${key} ${(value / count).toFixed(2)}`);
  return `API: ${api.sort().join(', ')}; registry: ${oci.sort().join(', ')}`;
}

interface Row {
  controller: string;
  count: number;
  seconds: number;
  cpuSeconds: number;
  idleMiB: number;
  peakMiB: number;
  load: string;
  requests: string;
}

type BenchObject = KubeObject & {
  status?: { artifact?: { revision?: string }; conditions?: { type: string; status: string }[] };
};

/** Resolves once `count` objects of the namespace have `revision` and Ready=True, seen through one watch. */
function allReady(apiVersion: string, namespace: string, count: number, revision: string) {
  const informer = new Informer<BenchObject>(client, { apiVersion, kind: OCIRepositoryKind, namespace });
  const ready = new Set<string>();
  let resolve: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const see = (obj: BenchObject) => {
    const isReady =
      obj.status?.artifact?.revision === revision &&
      obj.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    if (isReady) ready.add(obj.metadata.name ?? '');
    if (ready.size >= count) resolve();
  };
  informer.onAdd(see).onUpdate((_old, obj) => see(obj));
  const stop = new AbortController();
  void informer.start(stop.signal);
  return { done, stop: () => stop.abort() };
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
    const idle = await readFile(`/proc/${controller.pid}/status`, 'utf8');
    const idleMiB = Number(/VmRSS:\s+(\d+) kB/.exec(idle)?.[1] ?? Number.NaN) / 1024;
    const revision = `latest@${pushed.digest}`;
    const watcher = allReady(contender.apiVersion, namespace, count, revision);
    const apiBefore = await apiRequests();
    const registryBefore = target.requests().length;
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
    const timeout = setTimeout(() => watcher.stop(), 1_800_000);
    await watcher.done;
    clearTimeout(timeout);
    watcher.stop();
    const seconds = (Date.now() - start) / 1000;
    const after = await usage(controller.pid);
    if (heapSnapshots && contender.apiVersion === SourceApiVersion)
      await heapSnapshot(controller, `${contender.name}-${count}`);
    const requests = perObject(
      apiBefore,
      await apiRequests(),
      target.requests().slice(registryBefore),
      count,
    );
    return {
      controller: contender.name,
      count,
      seconds,
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      idleMiB,
      peakMiB: after.peakMiB,
      requests,
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

function tableRow(row: Row): string {
  return `| ${row.controller} | ${row.count} | ${row.seconds.toFixed(1)} | ${row.cpuSeconds.toFixed(1)} | ${row.idleMiB.toFixed(1)} | ${row.peakMiB.toFixed(1)} | ${row.load} |`;
}

const contenders = [
  weft,
  ...(baseRoot ? [weftFrom(baseRoot, 'weft (base)')] : []),
  ...(flux ? [fluxContender(flux.binary)] : []),
];
const rows: Row[] = [];
try {
  for (const count of counts)
    for (const contender of contenders) {
      const row = await measure(contender, count, registry);
      rows.push(row);
      // Each row as it is measured, so a run stopped early still gives its figures.
      console.error(`${tableRow(row)}\n  requests per object: ${row.requests}`);
    }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
console.log(
  `OCIRepositories of one artifact (${pushed.layer.size} B layer); weft flags: ${weftFlags.join(' ') || '(defaults)'}; flux flags: ${fluxFlags.join(' ') || '(defaults)'}`,
);
console.log(
  '| controller | N | all Ready (s) | CPU (s) | RSS idle (MiB) | peak RSS (MiB) | load avg 1/5/15 at end |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(tableRow(row));
console.log('\nRequests per object while they became Ready:');
for (const row of rows) console.log(`- ${row.controller} N=${row.count}: ${row.requests}`);
