// Mean time to production for HelmReleases, in the shape of Flux's MTTP benchmark (workload.ts):
// one Helm repository serving a podinfo-like chart, N HelmReleases each with its own HelmChart,
// source-controller and helm-controller as their own processes. Prints the wall time from the
// first creation until every HelmRelease is Ready, the CPU seconds of helm-controller and of the
// processes it ran (helm processes and the renderer: reaped and running children, from /proc) and
// of source-controller, and the peak RSS and PSS of helm-controller summed with the processes it
// runs at that moment (sampled every 100 ms), beside the controller's own peak (VmHWM).
//
// --flux: the same workload, in the same invocation (so under the same machine load), on Flux's
// own source-controller and helm-controller (Go, built once from the Go module proxy: see
// flux/build.ts; Flux's CRDs), each in a fresh namespace they alone watch; prints both and the
// ratios. --flux-first runs Flux before weft.
//
// Run: node packages/helm-controller/bench/mttp.bench.ts [N ...=100] [--concurrent=4]
//        [--release-engine=template|binary] [--without-renderer] [--compare-renderer]
//        [--compare='FLAGS'] [--before=ROOT] [--flux] [--flux-first]
// --without-renderer: weft renders with one `helm template` per render (no --helm-renderer-path);
// --compare-renderer: weft both ways, one after the other, in the same invocation.
// --compare='WORDS': weft as shipped, then with these Node flags added to helm-controller's and
// the NAME=VALUE words in its environment (a setting tried side by side before it ships).
// --before=ROOT: weft as in this tree, then with the helm-controller of another checkout ROOT
// (with its node_modules: a copy of this tree with the old files), the same source-controller.
// Uses the cluster of WEFT_E2E_KUBECONFIG when set, else starts its own control plane.
// Prints each phase as it ends (controllers up, releases created, every HelmChart Ready, the
// first and each quarter of the HelmReleases Ready), each
// flavour's figures as soon as it is done, and the ratios once every flavour of an N ran.
// --profile: the API server's requests during each run (create → all Ready) by verb and resource,
// per HelmRelease (source-controller's and the bench's own polls included: LIST helmreleases and
// LIST helmcharts every 500 ms).
// BENCH_HEAP_SNAPSHOTS=DIR: a heap snapshot of weft's helm-controller once all are Ready
// (`writeHeapSnapshot` of @weft/e2e; `node e2e/src/heap-snapshot.ts FILE` summarises one).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  childrenPeakRssMiB,
  deleteAllAndWait,
  formatSeconds,
  loadAverage,
  processFigures,
  requestCounts,
  sampleTreeMemory,
  startCluster,
  treeCpuSeconds,
  treeMemoryMiB,
  waitUntil,
} from '@weft/e2e';
import { Client, isRecord, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { loadKubeConfig } from '@weft/runtime/manager';
import { mapLimit } from '@weft/runtime/ssa';
import { type Flavour, fluxFlavour, weftFlavour } from './flavours.ts';
import { chartVersion, helmRelease, helmRepository, startChartRepository } from './workload.ts';

const counts = process.argv.filter((a) => /^\d+$/.test(a)).map(Number);
if (counts.length === 0) counts.push(100);
const option = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(`--${name}=`.length);
const concurrent = option('concurrent') ?? '4';
const releaseEngine = option('release-engine') ?? 'template';
const withFlux = process.argv.includes('--flux') || process.argv.includes('--flux-first');
const profile = process.argv.includes('--profile');

interface Result {
  mttpMs: number;
  helmCpu: number;
  childCpu: number;
  sourceCpu: number;
  peakRss: number;
  peakPss: number;
  controllerPeakRss: number;
  /** VmHWM of the child processes still running at the end (the renderer). */
  childrenPeakRss: number;
  sourcePeakRss: number;
  idleRss: number;
  load: string;
  /** --profile: API requests by `VERB resource` during the run. */
  requests?: [string, number][];
}

/** The API server's /metrics text (the bench's admin client may read it). */
async function apiserverMetrics(client: Client): Promise<string> {
  const res = await client.transport.request({
    method: 'GET',
    path: '/metrics',
    context: 'apiserver metrics',
  });
  return String(res.body);
}

async function runOnce(
  flavour: Flavour,
  count: number,
  kubeconfigPath: string,
  work: string,
): Promise<Result> {
  const client = new Client(loadKubeConfig({ kubeconfig: kubeconfigPath }), { fieldManager: 'bench' });
  const namespace = `helm-bench-${Date.now().toString(36)}`;
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const runWork = await mkdtemp(join(work, 'run-'));
  const repo = await startChartRepository(runWork);
  const started = await flavour.start({ kubeconfigPath, namespace, work: runWork, concurrent });
  const children = [started.helmController, started.sourceController];
  try {
    const pid = started.helmController.pid ?? 0;
    const sourcePid = started.sourceController.pid ?? 0;
    await waitUntil(
      `${flavour.name} helm-controller up`,
      async () => (await fetch(started.readyUrl).catch(() => undefined))?.ok || undefined,
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = await treeMemoryMiB(pid);
    progress(`${flavour.name}, N = ${count}: controllers up, idle RSS ${idle.rss.toFixed(0)} MiB`);
    await client.create(helmRepository(flavour.sourceApiVersion, namespace, repo.baseUrl));
    const sampler = sampleTreeMemory(pid);
    const names = Array.from({ length: count }, (_, i) => `app-${String(i).padStart(4, '0')}`);
    const cpuBefore = await treeCpuSeconds(pid);
    const sourceCpuBefore = await treeCpuSeconds(sourcePid);
    const loadBefore = loadAverage();
    const metricsBefore = profile ? await apiserverMetrics(client) : '';
    const t0 = performance.now();
    await mapLimit(names, 20, (name) => client.create(helmRelease(flavour.helmApiVersion, namespace, name)));
    progress(`  ${count} HelmReleases created in ${formatSeconds(performance.now() - t0)}`);
    // Each quarter of the releases Ready as it happens, so a run stopped early still says something.
    const marks = [1, ...[0.25, 0.5, 0.75].map((share) => Math.max(1, Math.ceil(count * share)))];
    // Until every HelmChart has its artifact (source-controller's part of the time), they are
    // counted too.
    let chartsReady = false;
    const isReady = (hr: KubeObject) =>
      conditions.isTrue(hr as unknown as conditions.Conditioned, 'Ready') &&
      isRecord(hr.status) &&
      hr.status.lastAttemptedRevision === chartVersion;
    await waitUntil(
      `${count} HelmReleases Ready (${flavour.name})`,
      async () => {
        const list = await client.list({
          apiVersion: flavour.helmApiVersion,
          kind: 'HelmRelease',
          namespace,
        });
        const ready = list.items.filter(isReady).length;
        if (!chartsReady) {
          const charts = await client.list({
            apiVersion: flavour.sourceApiVersion,
            kind: 'HelmChart',
            namespace,
          });
          const withArtifact = charts.items.filter((chart) =>
            conditions.isTrue(chart as unknown as conditions.Conditioned, 'Ready'),
          ).length;
          if (withArtifact === count) {
            chartsReady = true;
            progress(
              `  ${count} HelmCharts Ready at ${formatSeconds(performance.now() - t0)} (${ready} HelmReleases Ready)`,
            );
          }
        }
        while (marks[0] !== undefined && ready >= marks[0] && ready < count) {
          marks.shift();
          const now = await treeMemoryMiB(pid);
          progress(
            `  ${ready}/${count} Ready at ${formatSeconds(performance.now() - t0)} (RSS now ${now.rss.toFixed(0)} MiB, load ${loadAverage()})`,
          );
        }
        return ready === count ? true : undefined;
      },
      { timeoutMs: 60 * 60_000, intervalMs: 500 },
    );
    const mttpMs = performance.now() - t0;
    const requests = profile ? requestCounts(metricsBefore, await apiserverMetrics(client)) : undefined;
    const cpuAfter = await treeCpuSeconds(pid);
    const sourceCpuAfter = await treeCpuSeconds(sourcePid);
    const peak = await sampler.stop();
    const result: Result = {
      mttpMs,
      helmCpu: cpuAfter.own - cpuBefore.own,
      childCpu: cpuAfter.children - cpuBefore.children,
      sourceCpu: sourceCpuAfter.own - sourceCpuBefore.own,
      peakRss: peak.rss,
      peakPss: peak.pss,
      controllerPeakRss: (await processFigures(pid)).peakRssMiB,
      childrenPeakRss: await childrenPeakRssMiB(pid),
      sourcePeakRss: (await processFigures(sourcePid)).peakRssMiB,
      idleRss: idle.rss,
      load: `${loadBefore} → ${loadAverage()}`,
      ...(requests ? { requests } : {}),
    };
    // After the figures: writing a snapshot costs memory and CPU of its own.
    if (started.heapSnapshot)
      progress(`  heap snapshot: ${await started.heapSnapshot(`${flavour.name} N=${count}`)}`);
    return result;
  } finally {
    // Deleted while the controllers run, so their finalizers end: objects left with finalizers
    // that no one removes keep the namespace controller retrying through the next flavour's run.
    for (const [apiVersion, kind] of [
      [flavour.helmApiVersion, 'HelmRelease'],
      [flavour.sourceApiVersion, 'HelmChart'],
      [flavour.sourceApiVersion, 'HelmRepository'],
    ] as const)
      await deleteAllAndWait(client, { apiVersion, kind }, [namespace], 10 * 60_000).catch((error: unknown) =>
        progress(`  cleanup of the ${kind}s: ${String(error)}`),
      );
    // Wait for the controllers to exit: weft's write their compile cache into the work directory.
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
            else child.once('exit', resolve).kill('SIGTERM');
          }),
      ),
    );
    await repo.stop();
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined);
  }
}

/** `a` over `b`: time, CPU of helm-controller and its children, and their peak memory. */
function ratios(what: string, count: number, a: Result, b: Result): string {
  const ratio = (x: number, y: number) => (x / y).toFixed(2);
  return `${what} at N = ${count}: time ${ratio(a.mttpMs, b.mttpMs)}, CPU (helm-controller + children) ${ratio(a.helmCpu + a.childCpu, b.helmCpu + b.childCpu)}, peak RSS (helm-controller + children) ${ratio(a.peakRss, b.peakRss)}, PSS ${ratio(a.peakPss, b.peakPss)}, helm-controller alone (VmHWM) ${ratio(a.controllerPeakRss, b.controllerPeakRss)}`;
}

function progress(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function print(name: string, count: number, r: Result): void {
  console.log(`\n${name}, N = ${count}, --concurrent=${concurrent}`);
  console.log(`  MTTP (create → all Ready):               ${formatSeconds(r.mttpMs)}`);
  console.log(
    `  CPU: helm-controller ${r.helmCpu.toFixed(1)} s + its child processes ${r.childCpu.toFixed(1)} s = ${(r.helmCpu + r.childCpu).toFixed(1)} s; source-controller ${r.sourceCpu.toFixed(1)} s`,
  );
  console.log(
    `  peak, helm-controller + children:        RSS ${r.peakRss.toFixed(0)} MiB, PSS ${r.peakPss.toFixed(0)} MiB (idle RSS ${r.idleRss.toFixed(0)} MiB)`,
  );
  console.log(
    `  peak RSS (VmHWM): helm-controller alone ${r.controllerPeakRss.toFixed(0)} MiB, its running children ${r.childrenPeakRss.toFixed(0)} MiB, source-controller ${r.sourcePeakRss.toFixed(0)} MiB`,
  );
  console.log(`  load average (1, 5, 15 min) start → end:  ${r.load}`);
  if (!r.requests) return;
  const total = r.requests.reduce((sum, [, n]) => sum + n, 0);
  console.log(`  API requests create → all Ready: ${total} (${(total / count).toFixed(1)} per HelmRelease)`);
  for (const [key, n] of r.requests)
    if (n / count >= 0.05) console.log(`    ${(n / count).toFixed(2).padStart(7)} per release  ${key}`);
}

const work = await mkdtemp(join(tmpdir(), 'weft-helm-mttp-'));
const shared = process.env.WEFT_E2E_KUBECONFIG;
const cluster = shared ? undefined : await startCluster({ name: 'weft-helm-mttp' });
const kubeconfigPath = shared ?? cluster?.kubeconfigPath ?? '';
try {
  const client = new Client(loadKubeConfig({ kubeconfig: kubeconfigPath }), { fieldManager: 'bench' });
  const weft = weftFlavour(releaseEngine, !process.argv.includes('--without-renderer'));
  const templates = process.argv.includes('--compare-renderer')
    ? weftFlavour(releaseEngine, false)
    : undefined;
  const variantFlags = option('compare')?.split(' ').filter(Boolean);
  const before = option('before');
  const variant =
    variantFlags || before
      ? weftFlavour(releaseEngine, !process.argv.includes('--without-renderer'), variantFlags ?? [], before)
      : undefined;
  const flux = withFlux ? await fluxFlavour() : undefined;
  const flavours = [
    weft,
    ...(templates ? [templates] : []),
    ...(variant ? [variant] : []),
    ...(flux ? [flux] : []),
  ];
  if (process.argv.includes('--flux-first')) flavours.reverse();
  for (const flavour of flavours) await flavour.installCrds(client);
  const cpus = (await readFile('/proc/cpuinfo', 'utf8')).split('processor').length - 1;
  console.log(`${cpus} CPUs; load average now ${loadAverage()}`);
  for (const count of counts) {
    const results = new Map<Flavour, Result>();
    for (const flavour of flavours) {
      const result = await runOnce(flavour, count, kubeconfigPath, work);
      results.set(flavour, result);
      print(flavour.name, count, result);
    }
    const w = results.get(weft);
    const t = templates && results.get(templates);
    if (w && t) console.log(`\n  ${ratios('renderer / helm template', count, w, t)}`);
    const v = variant && results.get(variant);
    if (w && v) console.log(`\n  ${ratios(`this tree / ${variant?.name}`, count, w, v)}`);
    const f = flux && results.get(flux);
    if (w && f) console.log(`\n  ${ratios('weft / Flux', count, w, f)}`);
  }
} finally {
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
}
