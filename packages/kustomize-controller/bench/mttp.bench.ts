// Mean time to production, as Flux's MTTP benchmark (see mttp/workload.ts for the shape): N
// Kustomizations of one artifact, each its own app (a ServiceAccount, a Service, a Deployment
// scaled to zero, an Ingress; `wait: true`), created at once on a fresh local control plane.
// For each N it prints the time until all are Ready, the time of an unchanged re-reconcile of
// all, the controller's CPU seconds and peak RSS (it runs as its own process), and the load
// average (wall times on a shared machine move with it; CPU seconds and RSS do not).
//
// --flux: also runs Flux's kustomize-controller v1.9.6 (built once from the Go module proxy, see
//   mttp/flux.ts) the same way on another fresh control plane, one after the other, and prints
//   the ratios. Not part of CI.
// The bulk-apply limit (unless --no-bulk): the same 4·N objects applied as one set by the apply
//   engine on weft's apiserver after its run (mttp/bulk.ts). Requests the apiserver answers 504,
//   503 or 429 are retried with backoff and counted (mttp/retrying.ts), as a controller's requeue
//   would, so a loaded apiserver slows the limit instead of failing it; the retries are printed.
//
// Each phase prints its figures on stdout the moment they exist (all Ready, the re-reconcile,
// the bulk limit, each controller's result, the table row of each N); a phase that fails prints
// FAILED and the run goes on, so a run stopped early keeps what it measured.
//
// The controller starts as its executable does: with the V8 flags of its shebang, and with the
// compile cache warmed first, as a container image ships it.
//
// --cm-qps=N: kube-controller-manager's client rate limit on every cluster of the run
//   (--kube-api-qps=N --kube-api-burst=2N; its default is 20 / 30). With wait: true every
//   controller waits for it to roll out each Deployment, so its rate is the floor of the MTTP;
//   raise it to measure the controllers above that floor.
// --bulk-only: only the bulk-apply limit, on a fresh cluster per N (the floor, quickly).
//
// --profile: logs the apiserver's requests during the run by verb and resource, and weft's time
//   per reconcile step and in its work queue (mttp/profile.ts). With --node-arg=--cpu-prof
//   --node-arg=--cpu-prof-dir=DIR the controller also writes a CPU profile when it stops.
//
// Run: node packages/kustomize-controller/bench/mttp.bench.ts [N ...=100] [--flux]
//      [--shape=flux|shared] [--concurrent=4] [--no-bulk] [--profile] [--v8-defaults] [--cold]
//      [--cm-qps=20] [--bulk-only] [--weft-entry=PATH] [--base-entry=PATH] [--node-arg=--max-old-space-size=256 ...]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, KustomizeApiVersion, SourceApiVersion } from '@weft/api';
import {
  formatSeconds,
  freePort,
  loadAverage,
  nodeEntry,
  startCluster,
  waitUntil,
  warmCompileCache,
} from '@weft/e2e';
import type { KubeObject } from '@weft/runtime/client';
import { type BulkResult, bulkApply, bulkConcurrency } from './mttp/bulk.ts';
import { ensureFluxBinary, fluxArgs, fluxBinary, fluxCrds, fluxVersions } from './mttp/flux.ts';
import { apiserverMetrics, profileLines, requestCounts } from './mttp/profile.ts';
import { describeRetries } from './mttp/retrying.ts';
import { type Flavour, type RunResult, runMttp } from './mttp/run.ts';
import type { Shape } from './mttp/workload.ts';

const counts = process.argv.filter((a) => /^\d+$/.test(a)).map(Number);
if (counts.length === 0) counts.push(100);
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const concurrent = option('concurrent') ?? '4';
const shape = (option('shape') ?? 'flux') as Shape;
if (shape !== 'flux' && shape !== 'shared') throw new Error(`--shape=${shape}: flux or shared`);
const withFlux = process.argv.includes('--flux');
const withBulk = !process.argv.includes('--no-bulk');
const profile = process.argv.includes('--profile');
// --weft-entry=PATH: another checkout's controller (a before/after comparison on one harness).
const entryPath = option('weft-entry') ?? join(import.meta.dirname, '../bin/weft-kustomize-controller.js');
// --base-entry=PATH: another checkout's controller run too, on its own fresh cluster before
// this one's, so before and after (and Flux) come from one run at the same load.
const baseEntry = option('base-entry');
const extraNodeArgs = process.argv
  .filter((a) => a.startsWith('--node-arg='))
  .map((a) => a.slice('--node-arg='.length));
const cold = process.argv.includes('--cold');
const cmQps = option('cm-qps');
if (cmQps !== undefined && !(Number(cmQps) > 0)) throw new Error(`--cm-qps=${cmQps}: a positive number`);
const controllerManagerArgs =
  cmQps === undefined ? [] : [`--kube-api-qps=${cmQps}`, `--kube-api-burst=${Number(cmQps) * 2}`];
const cmLimit =
  cmQps === undefined ? 'default 20 QPS / burst 30' : `${cmQps} QPS / burst ${Number(cmQps) * 2}`;
const bulkOnly = process.argv.includes('--bulk-only');
const log = (line: string) => console.error(`[mttp ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function serving(url: string): Promise<void> {
  await waitUntil(
    'controller serving metrics',
    async () => (await fetch(url).catch(() => undefined))?.ok || undefined,
    {
      timeoutMs: 120_000,
      intervalMs: 200,
    },
  );
}

/** weft's controller from `entry` (this checkout's, or another's for a before/after run). */
function weftFlavour(name: string, entry: string): Flavour {
  // The shebang's flags, unless --v8-defaults; then any --node-arg=X (repeatable).
  const args = [
    ...(process.argv.includes('--v8-defaults') ? [] : nodeEntry(entry).args.slice(0, -1)),
    ...extraNodeArgs,
  ];
  return {
    name,
    kustomizeApiVersion: KustomizeApiVersion,
    sourceApiVersion: SourceApiVersion,
    requestedAt: 'reconcile.weft.dev/requestedAt',
    crds: async () => crds() as unknown as KubeObject[],
    async start(cluster, work) {
      const env = { ...process.env, NODE_COMPILE_CACHE: join(work, `compile-cache-${name}`) };
      if (!cold) {
        // What an image build does: load every module once so the cache holds them.
        await warmCompileCache(entry, env, args);
      }
      const metricsPort = await freePort();
      const child = spawn(
        process.execPath,
        [
          ...args,
          entry,
          `--kubeconfig=${cluster.kubeconfigPath}`,
          `--metrics-addr=127.0.0.1:${metricsPort}`,
          '--health-addr=0',
          `--concurrent=${concurrent}`,
          '--log-level=error',
        ],
        { stdio: ['ignore', 'inherit', 'inherit'], env },
      );
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      await serving(metricsUrl);
      return { child, metricsUrl };
    },
  };
}

const weft = weftFlavour('weft', entryPath);
const base = baseEntry === undefined ? undefined : weftFlavour('weft-base', baseEntry);

const flux: Flavour = {
  name: 'flux',
  kustomizeApiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  sourceApiVersion: 'source.toolkit.fluxcd.io/v1',
  requestedAt: 'reconcile.fluxcd.io/requestedAt',
  crds: fluxCrds,
  async start(cluster) {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const child: ChildProcess = spawn(fluxBinary, fluxArgs({ metricsPort, healthPort, concurrent }), {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, RUNTIME_NAMESPACE: 'flux-system' },
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await serving(metricsUrl);
    return { child, metricsUrl };
  },
};

interface Row {
  count: number;
  weft?: RunResult | undefined;
  base?: RunResult | undefined;
  flux?: RunResult | undefined;
  bulk?: BulkResult | undefined;
  /** A phase that failed, and how: the row keeps the phases that did not. */
  failed: Record<string, string>;
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '—' : (a / b).toFixed(2);
const mib = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(0)} MiB`);
const cpu = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(1)} s`);
const time = (ms: number | undefined) => (ms === undefined ? '—' : formatSeconds(ms));
const load = (r: RunResult | undefined) =>
  r === undefined ? '—' : `${r.loadBefore[0]?.toFixed(1)}→${r.loadAfter[0]?.toFixed(1)}`;
const bulkFigures = (b: BulkResult) =>
  `${formatSeconds(b.totalMs)} (${formatSeconds(b.applyMs)} apply), ${cpu(b.cpuSeconds)}, retried ${describeRetries(new Map(Object.entries(b.retries).map(([code, n]) => [Number(code), n])))}`;
/** Phase figures go to stdout the moment they exist; progress goes to stderr (log). */
const report = (line: string) => console.log(line);

if (bulkOnly) {
  console.log(`bulk-apply limit, shape ${shape}, controller-manager ${cmLimit}`);
  for (const count of counts) {
    const cluster = await startCluster({ name: 'mttp-bulk', controllerManagerArgs });
    try {
      const loadBefore = loadAverage();
      log(`bulk: applying ${count * 4} objects as one set`);
      const b = await bulkApply(cluster.kubeconfigPath, count, shape, bulkConcurrency(Number(concurrent)));
      report(`| ${count} | ${bulkFigures(b)} | load ${loadBefore} → ${loadAverage()} |`);
    } finally {
      await cluster.stop();
    }
  }
  process.exit(0);
}

/** One phase of a row: its failure is reported and kept, and the run goes on. */
async function phase<T>(row: Row, name: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    row.failed[name] = message.slice(0, 300);
    report(`FAILED ${name} N=${row.count}: ${message.slice(0, 300)}`);
    return undefined;
  }
}

const tableHeader = [
  `| N | weft | Flux | time ratio | weft CPU | Flux CPU | weft peak RSS | Flux peak RSS | RSS ratio | bulk limit (apply+wait, CPU, retries; ${bulkConcurrency(Number(concurrent))} in flight) | weft / limit | re-reconcile weft | Flux | ratio | load weft, Flux |`,
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
function tableRow({ count, weft: w, flux: f, bulk: b }: Row): string {
  return `| ${count} | ${time(w?.mttpMs)} | ${time(f?.mttpMs)} | ${ratio(w?.mttpMs, f?.mttpMs)} | ${cpu(w?.cpuApply)} | ${cpu(f?.cpuApply)} | ${mib(w?.peakRssMiB)} | ${mib(f?.peakRssMiB)} | ${ratio(w?.peakRssMiB, f?.peakRssMiB)} | ${b ? bulkFigures(b) : '—'} | ${ratio(w?.mttpMs, b?.totalMs)} | ${time(w?.reconcileAllMs)} (${cpu(w?.cpuReconcileAll)}) | ${time(f?.reconcileAllMs)} (${cpu(f?.cpuReconcileAll)}) | ${ratio(w?.reconcileAllMs, f?.reconcileAllMs)} | ${load(w)}, ${load(f)} |`;
}

if (withFlux) await ensureFluxBinary(log);
const work = await mkdtemp(join(tmpdir(), 'weft-mttp-'));
const rows: Row[] = [];
try {
  for (const count of counts) {
    const row: Row = { count, failed: {} };
    rows.push(row);
    // The same run for every controller of the row: only the entry (and weft's bulk pass) differ.
    const run = { count, shape, namespace: 'bench', log, report, profile, controllerManagerArgs };
    const figures = (name: string, result: unknown) =>
      report(
        `${name} N=${count}: ${JSON.stringify({ shape, concurrent: Number(concurrent), extraNodeArgs, result })}`,
      );
    if (base) {
      row.base = await phase(row, 'weft-base', () => runMttp(base, work, run));
      figures('weft-base', row.base);
    }
    row.weft = await phase(row, 'weft', () =>
      runMttp(weft, work, {
        ...run,
        ...(withBulk
          ? {
              // The controller has stopped; weft's figures are in, the bulk limit is its own phase.
              afterwards: async (client, cluster) => {
                log(`bulk: applying ${count * 4} objects as one set`);
                const metricsBefore = profile ? await apiserverMetrics(client) : '';
                row.bulk = await phase(row, 'bulk', () =>
                  bulkApply(cluster.kubeconfigPath, count, shape, bulkConcurrency(Number(concurrent))),
                );
                if (row.bulk) report(`bulk N=${count}: ${bulkFigures(row.bulk)}; load ${loadAverage()}`);
                if (profile) {
                  // The same apiserver's requests for the bulk set: what is left without a controller.
                  const requests = requestCounts(metricsBefore, await apiserverMetrics(client));
                  for (const line of profileLines(requests, undefined)) log(`bulk: ${line}`);
                }
              },
            }
          : {}),
      }),
    );
    figures('weft', row.weft);
    if (withFlux) {
      row.flux = await phase(row, 'flux', () => runMttp(flux, work, run));
      figures('flux', row.flux);
    }
    report([...tableHeader, tableRow(row)].join('\n'));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

console.log(
  `\nMTTP, shape ${shape}, --concurrent=${concurrent}${withFlux ? `, Flux kustomize-controller ${fluxVersions.kustomizeController}` : ''}; controller-manager ${cmLimit}; load average now ${loadAverage()}`,
);
for (const line of [...tableHeader, ...rows.map(tableRow)]) console.log(line);
if (base) {
  console.log(`\nbefore (${baseEntry}) → after, same run:`);
  console.log('| N | MTTP | CPU | peak RSS | re-reconcile of all (CPU) | load before, after |');
  console.log('|---|---|---|---|---|---|');
  for (const { count, weft: w, base: b } of rows) {
    console.log(
      `| ${count} | ${time(b?.mttpMs)} → ${time(w?.mttpMs)} | ${cpu(b?.cpuApply)} → ${cpu(w?.cpuApply)} | ${mib(b?.peakRssMiB)} → ${mib(w?.peakRssMiB)} | ${time(b?.reconcileAllMs)} (${cpu(b?.cpuReconcileAll)}) → ${time(w?.reconcileAllMs)} (${cpu(w?.cpuReconcileAll)}) | ${load(b)}, ${load(w)} |`,
    );
  }
}
console.log(
  `idle controller RSS: ${rows.map((r) => `weft ${mib(r.weft?.idleRssMiB)}${r.flux ? `, Flux ${mib(r.flux.idleRssMiB)}` : ''}`).join('; ')}`,
);
for (const { count, failed } of rows) {
  for (const [name, message] of Object.entries(failed)) console.log(`FAILED ${name} N=${count}: ${message}`);
}
if (rows.some((r) => Object.keys(r.failed).length > 0)) process.exitCode = 1;
