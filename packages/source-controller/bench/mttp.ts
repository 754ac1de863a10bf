/**
 * The MTTP harness the source benchmarks share (oci-mttp.bench.ts, git-mttp.bench.ts): N objects
 * of one kind and one source, created at once in a fresh namespace, for each controller in turn
 * (weft's from its bin, other checkouts' with --base, Flux's with --flux), each started fresh,
 * sharded on its own label, out of cluster against the same control plane. Measures the time
 * until all are Ready (followed through one watch: a list of N objects every 200 ms would load
 * the API server the contenders share), the controller's CPU seconds and peak RSS (the kernel's
 * utime+stime and VmHWM), and per object the API server's requests (its own counter, the bench's
 * creates left out) and the source server's. Prints each row as it is measured, then the tables.
 * Flags and environment: see the benches' header comments.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { crds, SourceApiVersion } from '@weft/api';
import {
  eventually,
  freePort,
  heapSnapshotFlags,
  loadAverage,
  ManagedProcess,
  nodeEntry,
  processFigures,
  repoRoot,
  useCluster,
  writeHeapSnapshot,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { Informer } from '@weft/runtime/informer';
import { parseAllDocuments } from 'yaml';
import { fluxSourceController, fluxSourceControllerVersion } from './flux-source-controller.ts';

const shardLabel = 'bench.weft.dev/shard';
const fluxApiVersion = 'source.toolkit.fluxcd.io/v1';

/** What one benchmark measures: N objects of `kind` with `spec`, Ready at `revision`. */
export interface MttpWorkload {
  kind: string;
  /** The table's first line: what the objects are. */
  title: string;
  spec: Record<string, unknown>;
  revision: string;
  /** The source server's requests so far (`METHOD what`), in order. */
  serverRequests(): string[];
  stop(): Promise<void>;
}

interface Contender {
  name: string;
  apiVersion: string;
  start(shard: string, storage: string): Promise<ManagedProcess>;
}

interface Row {
  controller: string;
  count: number;
  seconds: number;
  /** When the bench's last create returned: the floor of `seconds` on this control plane. */
  createdSeconds: number;
  /** When half of them were Ready. */
  halfReadySeconds: number;
  cpuSeconds: number;
  idleMiB: number;
  peakMiB: number;
  load: string;
  requests: string;
}

type BenchObject = KubeObject & {
  status?: { artifact?: { revision?: string }; conditions?: { type: string; status: string }[] };
};

const list = (value: string | undefined) => (value ?? '').split(' ').filter(Boolean);

/** Parses the benchmark's arguments, prepares the cluster, runs every contender at every N, prints. */
export async function runMttp(
  name: string,
  workload: (work: string) => Promise<MttpWorkload>,
): Promise<void> {
  const args = process.argv.slice(2);
  const baseRoots = args.filter((arg) => arg.startsWith('--base=')).map((arg) => arg.slice('--base='.length));
  // --env=K=V (repeatable): one more contender, this checkout's controller with that environment.
  const variantEnv = Object.fromEntries(
    args
      .filter((arg) => arg.startsWith('--env='))
      .map((arg) => {
        const [key = '', ...value] = arg.slice('--env='.length).split('=');
        return [key, value.join('=')] as const;
      }),
  );
  const counts = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
  if (counts.length === 0) counts.push(100);
  const weftFlags = list(process.env.BENCH_FLAGS);
  const fluxFlags = list(process.env.BENCH_FLUX_FLAGS);
  const nodeFlags = list(process.env.BENCH_NODE_FLAGS);
  const heapSnapshots = process.env.BENCH_HEAP_SNAPSHOTS;
  nodeFlags.push(...heapSnapshotFlags(heapSnapshots));

  const cluster = await useCluster();
  const client = new Client(await cluster.kubeConfig(), { fieldManager: name });
  const flux = args.includes('--flux')
    ? await fluxSourceController((line) => console.error(line))
    : undefined;
  for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
  for (const file of flux?.crdFiles ?? [])
    for (const doc of parseAllDocuments(await readFile(file, 'utf8')))
      await client.apply(doc.toJS() as KubeObject, { force: true });
  const work = await mkdtemp(join(tmpdir(), `weft-${name}-`));
  const load = await workload(work);
  for (const apiVersion of [SourceApiVersion, ...(flux ? [fluxApiVersion] : [])])
    await eventually(`${apiVersion} ${load.kind} served`, () =>
      client.list({ apiVersion, kind: load.kind, limit: 1 }),
    );

  const weftFrom = (root: string, label: string, env: Record<string, string> = {}): Contender => ({
    name: label,
    apiVersion: SourceApiVersion,
    async start(shard, storage) {
      const entry = nodeEntry(
        join(root, 'packages', 'source-controller', 'bin', 'weft-source-controller.js'),
      );
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
        env,
        logFile: `${storage}.log`,
      });
    },
  });
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
  const contenders = [
    weftFrom(repoRoot, 'weft'),
    ...baseRoots.map((root) =>
      weftFrom(root, baseRoots.length === 1 ? 'weft (base)' : `weft (base ${basename(root)})`),
    ),
    ...(Object.keys(variantEnv).length > 0
      ? [
          weftFrom(
            repoRoot,
            `weft (${Object.entries(variantEnv)
              .map(([key, value]) => `${key}=${value}`)
              .join(' ')})`,
            variantEnv,
          ),
        ]
      : []),
    ...(flux ? [fluxContender(flux.binary)] : []),
  ];
  const bench = new MttpRun(client, load, work, heapSnapshots);
  const rows: Row[] = [];
  try {
    for (const count of counts)
      for (const contender of contenders) {
        const row = await bench.measure(contender, count);
        rows.push(row);
        // Each row as it is measured, so a run stopped early still gives its figures.
        console.error(
          `${tableRow(row)}\n  created in ${row.createdSeconds.toFixed(1)} s, half Ready in ${row.halfReadySeconds.toFixed(1)} s; requests per object: ${row.requests}`,
        );
      }
  } finally {
    await load.stop();
    await rm(work, { recursive: true, force: true });
    // useCluster stops a cluster it started in an `after` hook, which only a test run calls: the
    // bench stops it itself (a no-op for WEFT_E2E_KUBECONFIG's), or its processes keep it alive.
    await cluster.stop();
  }
  console.log(
    `${load.title}; weft flags: ${weftFlags.join(' ') || '(defaults)'}; flux flags: ${fluxFlags.join(' ') || '(defaults)'}`,
  );
  console.log(
    '| controller | N | all Ready (s) | created (s) | CPU (s) | RSS idle (MiB) | peak RSS (MiB) | load avg 1/5/15 at end |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(tableRow(row));
  console.log('\nRequests per object while they became Ready:');
  for (const row of rows) console.log(`- ${row.controller} N=${row.count}: ${row.requests}`);
}

function tableRow(row: Row): string {
  return `| ${row.controller} | ${row.count} | ${row.seconds.toFixed(1)} | ${row.createdSeconds.toFixed(1)} | ${row.cpuSeconds.toFixed(1)} | ${row.idleMiB.toFixed(1)} | ${row.peakMiB.toFixed(1)} | ${row.load} |`;
}

class MttpRun {
  readonly #client: Client;
  readonly #load: MttpWorkload;
  readonly #work: string;
  readonly #heapSnapshots: string | undefined;

  constructor(client: Client, load: MttpWorkload, work: string, heapSnapshots?: string) {
    this.#client = client;
    this.#load = load;
    this.#work = work;
    this.#heapSnapshots = heapSnapshots;
  }

  async measure(contender: Contender, count: number): Promise<Row> {
    const client = this.#client;
    const { kind } = this.#load;
    const shard = `bench-${randomBytes(3).toString('hex')}`;
    const namespace = `mttp-bench-${shard}`;
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject);
    await mkdir(join(this.#work, shard)); // Flux refuses a storage path that does not exist yet
    const controller = await contender.start(shard, join(this.#work, shard));
    controller.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000)); // let it start and sync its caches
      const pid = controller.pid;
      if (pid === undefined) throw new Error(`${contender.name} did not start`);
      const before = await processFigures(pid);
      const watcher = this.#allReady(contender.apiVersion, namespace, count);
      const apiBefore = await this.#apiRequests();
      const serverBefore = this.#load.serverRequests().length;
      const start = Date.now();
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          client.create({
            apiVersion: contender.apiVersion,
            kind,
            metadata: { name: `app-${i}`, namespace, labels: { [shardLabel]: shard } },
            spec: this.#load.spec,
          } as KubeObject),
        ),
      );
      const createdSeconds = (Date.now() - start) / 1000;
      const timeout = setTimeout(() => watcher.stop(), 1_800_000);
      await watcher.done;
      clearTimeout(timeout);
      watcher.stop();
      const seconds = (Date.now() - start) / 1000;
      const halfReadySeconds = ((watcher.readyAt[Math.floor(count / 2)] ?? Number.NaN) - start) / 1000;
      const after = await processFigures(pid);
      // With BENCH_HEAP_SNAPSHOTS=DIR, a heap snapshot of weft's process once all are Ready (what
      // the cache and the controller keep per object).
      if (this.#heapSnapshots && contender.apiVersion === SourceApiVersion)
        await writeHeapSnapshot(pid, this.#heapSnapshots, `${contender.name}-${count}`);
      const requests = perObject(
        `POST ${kind.toLowerCase().replace(/y$/, 'ie')}s`,
        apiBefore,
        await this.#apiRequests(),
        this.#load.serverRequests().slice(serverBefore),
        count,
      );
      return {
        controller: contender.name,
        count,
        seconds,
        createdSeconds,
        halfReadySeconds,
        cpuSeconds: after.cpuSeconds - before.cpuSeconds,
        idleMiB: before.rssMiB,
        peakMiB: after.peakRssMiB,
        requests,
        load: loadAverage(),
      };
    } finally {
      // Delete while the controller runs, so it removes its finalizers and artifacts; objects left
      // with a finalizer and no controller would stay forever and slow down every later list.
      await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
      await eventually(
        `the ${contender.name} ${kind}s finalized`,
        async () => {
          const left = await client.list({ apiVersion: contender.apiVersion, kind, namespace });
          return left.items.length === 0 ? true : undefined;
        },
        600_000,
      ).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
      await controller.stop();
    }
  }

  /** Resolves once `count` objects of the namespace have the revision and Ready=True, seen through one watch. */
  #allReady(apiVersion: string, namespace: string, count: number) {
    const { kind, revision } = this.#load;
    const informer = new Informer<BenchObject>(this.#client, { apiVersion, kind, namespace });
    const ready = new Set<string>();
    /** When each object was first seen Ready (ms since the epoch), in that order. */
    const readyAt: number[] = [];
    const { promise: done, resolve } = Promise.withResolvers<void>();
    const see = (obj: BenchObject) => {
      const isReady =
        obj.status?.artifact?.revision === revision &&
        obj.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
      const name = obj.metadata.name ?? '';
      if (isReady && !ready.has(name)) {
        ready.add(name);
        readyAt.push(Date.now());
      }
      if (ready.size >= count) resolve();
    };
    informer.onAdd(see).onUpdate((_old, obj) => see(obj));
    const stop = new AbortController();
    void informer.start(stop.signal);
    return { done, readyAt, stop: () => stop.abort() };
  }

  /**
   * The API server's request counter by `verb resource[/subresource]`, from its /metrics, and the
   * seconds it spent on them (`apiserver_request_duration_seconds_sum`, under the key `… seconds`).
   */
  async #apiRequests(): Promise<Map<string, number>> {
    const { body } = await this.#client.transport.request({ method: 'GET', path: '/metrics' });
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
}

/** Per object: what went to the API server (bench's own creates and watch removed) and to the source server. */
function perObject(
  benchCreates: string,
  before: Map<string, number>,
  after: Map<string, number>,
  serverRequests: string[],
  count: number,
): string {
  const api: string[] = [];
  for (const [key, value] of after) {
    if (key.endsWith(' seconds')) continue;
    // The bench's own: N creates, and its watch (watches are long requests, counted when they open).
    const delta = value - (before.get(key) ?? 0) - (key === benchCreates ? count : 0);
    // Below 0.05 per object is background (leases, discovery, a namespace being finalized).
    if (key.startsWith('WATCH ') || delta / count < 0.05) continue;
    // The API server's mean time per request of this kind (the bench's creates included).
    const all = value - (before.get(key) ?? 0);
    const seconds = (after.get(`${key} seconds`) ?? 0) - (before.get(`${key} seconds`) ?? 0);
    api.push(`${key} ${(delta / count).toFixed(2)} (${((seconds / all) * 1000).toFixed(0)} ms)`);
  }
  const serverCounts = new Map<string, number>();
  for (const request of serverRequests) serverCounts.set(request, (serverCounts.get(request) ?? 0) + 1);
  const server = [...serverCounts].map(([key, value]) => `${key} ${(value / count).toFixed(2)}`);
  return `API: ${api.sort().join(', ')}; source server: ${server.sort().join(', ')}`;
}
