/**
 * N ImageRepositories × T tags (Flux's scale question for image-reflector-controller): N registry
 * repositories of T tags each, one ImageRepository per repository, created at once. For each
 * controller (weft's, and with --flux then Flux's image-reflector-controller on the same registry
 * and tags, one after the other on the same control plane), prints as each phase ends: the time
 * until every one is Ready with T tags, the controller's CPU seconds and peak RSS (its own
 * process), the tag list requests; then it restarts the controller on the same tag store and
 * prints how many tag lists the restart fetched (none is due). Prints figures; asserts nothing.
 *   node bench/reflector.bench.ts [N=1000] [T=50] [--flux] [--base=DIR ...]
 *     WEFT_E2E_KUBECONFIG reuses a control plane; extra weft flags in BENCH_FLAGS, Flux's in
 *     BENCH_FLUX_FLAGS, node flags for weft's process in BENCH_NODE_FLAGS (`--cpu-prof
 *     --cpu-prof-dir=/tmp/prof`). --flux builds Flux's controller first if it is not built
 *     (minutes, once). --base=DIR adds the controller of another checkout DIR (e.g. `git archive`
 *     of main with its own node_modules) after this one's, for a before/after under one load.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, ImageRepositoryKind } from '@weft/api';
import {
  buildFluxController,
  eventually,
  fluxBuilds,
  loadAverage,
  type OciRegistry,
  processFigures,
  startOciRegistry,
  useCluster,
} from '@weft/e2e';
import { RegistryClient } from '@weft/oci';
import { Client, type KubeObject } from '@weft/runtime/client';
import { parseAllDocuments } from 'yaml';
import {
  fluxContender,
  type ReflectorContender,
  type ReflectorProcess,
  weftContender,
} from './reflector-contenders.ts';
import { seedRepositories } from './reflector-seed.ts';

const args = process.argv.slice(2);
const numbers = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
const count = numbers[0] ?? 1000;
const tagsPerRepository = numbers[1] ?? 50;
const withFlux = args.includes('--flux');
const weftFlags = (process.env.BENCH_FLAGS ?? '').split(' ').filter(Boolean);
const fluxFlags = (process.env.BENCH_FLUX_FLAGS ?? '').split(' ').filter(Boolean);
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const baseRoots = args.filter((arg) => arg.startsWith('--base=')).map((arg) => arg.slice('--base='.length));
const load = loadAverage;
const seconds = (ms: number) => (ms / 1000).toFixed(1);

const cluster = await useCluster();
const kubeConfig = await cluster.kubeConfig();
const client = new Client(kubeConfig, { fieldManager: 'reflector-bench' });
const fluxBuild = fluxBuilds['image-reflector-controller'];
const flux = withFlux ? await buildFluxController(fluxBuild, (line) => console.error(line)) : undefined;
for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
for (const file of flux?.crdFiles ?? [])
  for (const doc of parseAllDocuments(await readFile(file, 'utf8')))
    await client.apply(doc.toJS() as KubeObject, { force: true });
const contenders: ReflectorContender[] = [
  weftContender(cluster.kubeconfigPath, weftFlags, nodeFlags),
  ...baseRoots.map((root) =>
    weftContender(cluster.kubeconfigPath, weftFlags, nodeFlags, root, `weft (base ${root})`),
  ),
  ...(flux ? [fluxContender(flux.binary, fluxBuild.version, cluster.kubeconfigPath, fluxFlags)] : []),
];
for (const contender of contenders)
  await eventually(`${contender.apiVersion} ImageRepository served`, () =>
    client.list({ apiVersion: contender.apiVersion, kind: ImageRepositoryKind, limit: 1 }),
  );
const work = await mkdtemp(join(tmpdir(), 'weft-reflector-bench-'));
const registry = await startOciRegistry({ accessLog: true });

const seedStart = Date.now();
const tags = Array.from({ length: tagsPerRepository }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);
const repositories = await seedRepositories(registry, 'bench/app', count, tags);
const check = new RegistryClient({ registry: registry.host, insecure: true });
const lastTags = await check.listTags(repositories.at(-1) ?? '');
check.close();
if (lastTags.length !== tagsPerRepository)
  throw new Error(`seeded ${repositories.at(-1)} lists ${lastTags.length} tags, not ${tagsPerRepository}`);
console.log(
  `seeded ${count} repositories × ${tagsPerRepository} tags in ${seconds(Date.now() - seedStart)} s (setup; load ${load()})`,
);

const tagListRequests = () => registry.requests().filter((line) => line.endsWith('/tags/list')).length;

type RepositoryObject = KubeObject & {
  status?: { lastScanResult?: { tagCount?: number }; conditions?: { type: string; status: string }[] };
};

interface Row {
  contender: string;
  scanSeconds: number;
  scanCpu: number;
  peakRssMiB: number;
  idleRssMiB: number;
  tagLists: number;
  restartSeconds: number;
  restartTagLists: number;
  restartCpu: number;
  restartRssMiB: number;
  load: string;
}

async function started(contender: ReflectorContender, shard: string, storage: string) {
  const controller: ReflectorProcess = await contender.create(shard, storage);
  controller.process.start();
  await eventually(
    `${contender.name} metrics served`,
    () =>
      controller
        .reconciles()
        .then(() => true)
        .catch(() => undefined),
    120_000,
  );
  return controller;
}

/** The pid of a started process (a benchmark reads its figures from /proc). */
function pidOf(started: { pid?: number | undefined }): number {
  if (started.pid === undefined) throw new Error('the controller has no pid: it did not start');
  return started.pid;
}

async function measure(contender: ReflectorContender, target: OciRegistry): Promise<Row> {
  const shard = `bench-${randomBytes(3).toString('hex')}`;
  const namespace = `reflector-bench-${shard}`;
  const storage = join(work, shard);
  await mkdir(storage); // Flux's badger store wants its directory
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject);
  let controller = await started(contender, shard, storage);
  try {
    const idle = await processFigures(pidOf(controller.process));
    const listsBefore = tagListRequests();
    const start = Date.now();
    for (let i = 0; i < count; i += 50)
      await Promise.all(
        repositories.slice(i, i + 50).map((repository, j) =>
          client.create({
            apiVersion: contender.apiVersion,
            kind: ImageRepositoryKind,
            metadata: { name: `app-${i + j}`, namespace, labels: { [contender.shardLabel]: shard } },
            spec: { image: `${target.host}/${repository}`, interval: '1h', insecure: true },
          } as KubeObject),
        ),
      );
    const created = Date.now() - start;
    await eventually(
      `${count} ${contender.name} ImageRepositories Ready with ${tagsPerRepository} tags`,
      async () => {
        const list = await client.list<RepositoryObject>({
          apiVersion: contender.apiVersion,
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
    const scanned = await processFigures(pidOf(controller.process));
    const tagLists = tagListRequests() - listsBefore;
    const scanLoad = load();
    console.log(
      `${contender.name} scan: ${count} created in ${seconds(created)} s; all Ready with ${tagsPerRepository} tags in ${seconds(elapsed)} s; ${(scanned.cpuSeconds - idle.cpuSeconds).toFixed(1)} CPU s; peak RSS ${scanned.peakRssMiB.toFixed(1)} MiB (idle ${idle.peakRssMiB.toFixed(1)}); ${tagLists} tag lists (load ${scanLoad})`,
    );

    // Restart on the same store: every repository is reconciled, none is due, none is rescanned.
    await controller.process.stop();
    const restartBefore = tagListRequests();
    const restartStart = Date.now();
    controller = await started(contender, shard, storage);
    await eventually(
      `${count} reconciled after the restart`,
      () =>
        controller
          .reconciles()
          .then((n) => (n >= count ? true : undefined))
          .catch(() => undefined),
      600_000,
    );
    const restartSeconds = (Date.now() - restartStart) / 1000;
    const restarted = await processFigures(pidOf(controller.process));
    const restartTagLists = tagListRequests() - restartBefore;
    console.log(
      `${contender.name} restart: ${count} reconciled in ${restartSeconds.toFixed(1)} s with ${restartTagLists} tag lists; ${restarted.cpuSeconds.toFixed(1)} CPU s, peak RSS ${restarted.peakRssMiB.toFixed(1)} MiB (load ${load()})`,
    );
    return {
      contender: contender.name,
      scanSeconds: elapsed / 1000,
      scanCpu: scanned.cpuSeconds - idle.cpuSeconds,
      peakRssMiB: scanned.peakRssMiB,
      idleRssMiB: idle.peakRssMiB,
      tagLists,
      restartSeconds,
      restartTagLists,
      restartCpu: restarted.cpuSeconds,
      restartRssMiB: restarted.peakRssMiB,
      load: scanLoad,
    };
  } finally {
    // Delete while the controller runs, so it removes its finalizers and stored lists.
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
    await eventually(
      `the ${contender.name} ImageRepositories finalized`,
      async () => {
        const left = await client.list({
          apiVersion: contender.apiVersion,
          kind: ImageRepositoryKind,
          namespace,
        });
        return left.items.length === 0 ? true : undefined;
      },
      600_000,
    ).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    await controller.process.stop();
  }
}

const rows: Row[] = [];
try {
  for (const contender of contenders) rows.push(await measure(contender, registry));
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
  // useCluster stops a cluster it started in an `after` hook, which only a test run calls: a
  // bench stops it itself (a no-op for WEFT_E2E_KUBECONFIG's), or its processes keep it alive.
  await cluster.stop();
}
console.log(
  `\n${count} ImageRepositories × ${tagsPerRepository} tags; weft flags: ${weftFlags.join(' ') || '(defaults)'}; flux flags: ${fluxFlags.join(' ') || '(defaults)'}`,
);
console.log(
  '| controller | all Ready | CPU s (scans) | peak RSS MiB (idle) | tag lists | restart: reconciled in | restart tag lists | restart CPU s, peak RSS | load at scan end |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows)
  console.log(
    `| ${row.contender} | ${row.scanSeconds.toFixed(1)} s | ${row.scanCpu.toFixed(1)} | ${row.peakRssMiB.toFixed(0)} (${row.idleRssMiB.toFixed(0)}) | ${row.tagLists} | ${row.restartSeconds.toFixed(1)} s | ${row.restartTagLists} | ${row.restartCpu.toFixed(1)}, ${row.restartRssMiB.toFixed(0)} MiB | ${row.load} |`,
  );
