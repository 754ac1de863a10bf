/**
 * Events per second from the API server to a webhook, and delivery latency (event written →
 * request received), with 100 Alerts over 1,000 Kustomizations (each Alert routes the events
 * of 10 objects, by a name wildcard) and one generic Provider.
 *
 *   node packages/notification-controller/bench/notify.bench.ts [--events=2000] [--writers=32]
 *     [--objects=1000] [--alerts=100] [--rounds=1] [--entry=PATH] [--base-entry=PATH]
 *
 * The controller runs as its own process, started as its executable is (bin/…js with the V8 flags
 * of its shebang, the compile cache warmed first, as an image ships it), so the CPU seconds and
 * peak RSS printed are the controller's alone, not the writers'.
 *
 * --entry=PATH: the executable to measure (default: this checkout's).
 * --base-entry=PATH: another checkout's executable too (a before/after comparison): the two are
 *   alternated on the same cluster (round 1 base first, round 2 this one first, …), so before
 *   and after come from one run at one load.
 * --rounds=N: how many runs of each executable.
 * --node-arg=FLAG (repeatable): a Node flag for the controller, after its shebang's (e.g.
 *   --node-arg=--trace-gc, whose lines land in the controller's log in the work directory).
 * --heap-snapshot=DIR: a heap snapshot of the controller into DIR once half of the events are
 *   delivered (Node's --heapsnapshot-signal); the snapshot costs memory and time, so the peak
 *   RSS and times of such a run are not figures.
 * --keep-logs: keeps the work directory with each run's controller log (its path is printed).
 *
 * Each run has a namespace of its own (objects, Provider and Alerts made afresh, deleted after),
 * and writes its events only once the controller is ready and has set every Alert Ready (so its
 * caches hold them). Uses the cluster of WEFT_E2E_KUBECONFIG when set, else starts one. Prints
 * one line per run as it ends, then a table.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kustomizationSample, NotificationApiVersion } from '@weft/api';
import {
  freePort,
  loadAverage,
  ManagedProcess,
  nodeEntry,
  processFigures,
  sharedKubeconfigEnv,
  startCluster,
  startWebhookSink,
  waitUntil,
  warmCompileCache,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { EventRecorder, KubeEventSink } from '@weft/runtime/events';
import { installCrds } from '../test/harness.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    objects: { type: 'string', default: '1000' },
    alerts: { type: 'string', default: '100' },
    writers: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '1' },
    entry: { type: 'string', default: join(import.meta.dirname, '../bin/weft-notification-controller.js') },
    'base-entry': { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'heap-snapshot': { type: 'string' },
    'keep-logs': { type: 'boolean', default: false },
  },
});
const eventCount = Number(values.events);
const objectCount = Number(values.objects);
const alertCount = Number(values.alerts);
const rounds = Number(values.rounds);
const perAlert = objectCount / alertCount;
const log = (line: string) => console.error(`[notify ${new Date().toISOString().slice(11, 19)}] ${line}`);

const shared = process.env[sharedKubeconfigEnv];
const cluster = shared ? undefined : await startCluster({ name: 'notify-bench' });
const kubeconfigPath = shared ?? cluster?.kubeconfigPath ?? '';
const { KubeConfig } = await import('@kubernetes/client-node');
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const client = new Client(kubeConfig, { fieldManager: 'weft-bench' });
const sink = await startWebhookSink();
const work = await mkdtemp(join(tmpdir(), 'weft-notify-bench-'));

async function pool<T>(items: T[], size: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

interface Flavour {
  name: string;
  entry: string;
}

interface RunResult {
  flavour: string;
  setupSeconds: number;
  startSeconds: number;
  writeSeconds: number;
  totalSeconds: number;
  delivered: number;
  duplicates: number;
  p50: number;
  p99: number;
  cpuStart: number;
  cpuDelivery: number;
  readyRssMiB: number;
  peakRssMiB: number;
  loadBefore: string;
  loadAfter: string;
}

async function createWorkload(namespace: string): Promise<KubeObject[]> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const names = Array.from(
    { length: objectCount },
    (_, i) => `app-${Math.floor(i / perAlert)}-${i % perAlert}`,
  );
  const objects: KubeObject[] = [];
  await pool(names, 16, async (name) => {
    objects.push(
      await client.create({ ...kustomizationSample, metadata: { name, namespace } } as unknown as KubeObject),
    );
  });
  await client.create({
    apiVersion: NotificationApiVersion,
    kind: 'Provider',
    metadata: { name: 'sink', namespace },
    spec: { type: 'generic', address: sink.url(`/${namespace}`) },
  });
  const alerts = Array.from({ length: alertCount }, (_, i) => i);
  await pool(alerts, 16, async (i) => {
    await client.create({
      apiVersion: NotificationApiVersion,
      kind: 'Alert',
      metadata: { name: `alert-${i}`, namespace },
      spec: { providerRef: { name: 'sink' }, eventSources: [{ kind: 'Kustomization', name: `app-${i}-*` }] },
    });
  });
  return objects;
}

async function alertsReady(namespace: string): Promise<true | undefined> {
  const list = await client.list({ apiVersion: NotificationApiVersion, kind: 'Alert', namespace });
  const ready = list.items.filter((alert) =>
    (alert.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
      (c) => c.type === 'Ready' && c.status === 'True',
    ),
  );
  return ready.length === alertCount ? true : undefined;
}

async function run(flavour: Flavour, round: number): Promise<RunResult> {
  const namespace = `notify-${flavour.name}-${round}-${randomBytes(2).toString('hex')}`;
  const loadBefore = loadAverage();
  let started = performance.now();
  const objects = await createWorkload(namespace);
  const setupSeconds = (performance.now() - started) / 1000;
  log(
    `${flavour.name} #${round}: ${objectCount} objects, ${alertCount} alerts in ${setupSeconds.toFixed(1)} s`,
  );

  const env = { ...process.env, NODE_COMPILE_CACHE: join(work, `compile-cache-${flavour.name}`) };
  const entry = nodeEntry(flavour.entry);
  await warmCompileCache(flavour.entry, env, [...(values['node-arg'] ?? []), ...entry.args.slice(0, -1)]);
  const healthPort = await freePort();
  const controller = new ManagedProcess({
    name: `notification-controller (${flavour.name})`,
    command: entry.command,
    args: [
      ...(values['heap-snapshot']
        ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${values['heap-snapshot']}`]
        : []),
      ...(values['node-arg'] ?? []),
      ...entry.args,
      `--kubeconfig=${kubeconfigPath}`,
      '--metrics-addr=127.0.0.1:0',
      `--health-addr=127.0.0.1:${healthPort}`,
      '--receiver-addr=127.0.0.1:0',
      '--log-level=warn',
    ],
    env: { NODE_COMPILE_CACHE: env.NODE_COMPILE_CACHE },
    logFile: join(work, `${namespace}.log`),
  }).start();
  try {
    started = performance.now();
    const ready = { timeoutMs: 300_000, intervalMs: 250, abort: controller.crashed() };
    await waitUntil(
      `${controller.spec.name} /readyz`,
      async () => ((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok ? true : undefined),
      ready,
    );
    await waitUntil(`every Alert of ${namespace} Ready`, () => alertsReady(namespace), ready);
    const startSeconds = (performance.now() - started) / 1000;
    const pid = controller.pid ?? 0;
    const atReady = await processFigures(pid);

    const recorder = new EventRecorder({
      sink: new KubeEventSink(kubeConfig),
      reportingController: 'weft.dev/kustomize-controller',
      reportingInstance: 'bench',
    });
    const writtenAt = new Map<string, number>();
    const path = `/${namespace}`;
    started = performance.now();
    const wallStart = Date.now();
    await pool(
      Array.from({ length: eventCount }, (_, i) => i),
      Number(values.writers),
      async (i) => {
        const note = `bench event ${i}`;
        await recorder.warning(objects[i % objects.length] as KubeObject, 'HealthCheckFailed', note);
        writtenAt.set(note, Date.now());
      },
    );
    const writeSeconds = (performance.now() - started) / 1000;
    if (values['heap-snapshot'])
      void sink
        .waitFor((r) => r.path === path, 900_000, eventCount / 2)
        .then(
          () => controller.kill('SIGUSR2'),
          () => undefined,
        );
    const received = await sink.waitFor((r) => r.path === path, 900_000, eventCount);
    const totalSeconds = (Date.now() - wallStart) / 1000;
    const done = await processFigures(pid);
    const latencies = received
      .flatMap((r) => {
        const at = writtenAt.get((r.json as { message?: string }).message ?? '');
        return at === undefined ? [] : [r.receivedAt - at];
      })
      .sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
    return {
      flavour: flavour.name,
      setupSeconds,
      startSeconds,
      writeSeconds,
      totalSeconds,
      delivered: received.length,
      duplicates: received.length - new Set(received.map((r) => r.body)).size,
      p50: pct(50),
      p99: pct(99),
      cpuStart: atReady.cpuSeconds,
      cpuDelivery: done.cpuSeconds - atReady.cpuSeconds,
      readyRssMiB: atReady.rssMiB,
      peakRssMiB: done.peakRssMiB,
      loadBefore,
      loadAfter: loadAverage(),
    };
  } catch (error) {
    log(`${controller.spec.name} failed; its log ends:\n${await controller.logTail()}`);
    throw error;
  } finally {
    // Deleted while the controller runs, so that it removes the finalizers of its Alerts and
    // Provider and the namespace can go.
    started = performance.now();
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
    await waitUntil(
      `namespace ${namespace} deleted`,
      async () =>
        (await client.find({ apiVersion: 'v1', kind: 'Namespace', name: namespace })) ? undefined : true,
      { timeoutMs: 600_000, intervalMs: 1000 },
    ).catch((error: Error) => log(error.message));
    log(`${namespace} deleted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await controller.stop();
  }
}

const after: Flavour = { name: 'this', entry: values.entry };
const base: Flavour | undefined = values['base-entry']
  ? { name: 'base', entry: values['base-entry'] }
  : undefined;
const results: RunResult[] = [];
try {
  await installCrds(client);
  for (let round = 1; round <= rounds; round++) {
    const order = base ? (round % 2 === 1 ? [base, after] : [after, base]) : [after];
    for (const flavour of order) {
      const result = await run(flavour, round);
      results.push(result);
      console.log(JSON.stringify({ round, ...result }));
    }
  }
} finally {
  await sink.stop();
  await cluster?.stop();
  if (values['keep-logs']) log(`controller logs kept in ${work}`);
  else await rm(work, { recursive: true, force: true });
}

const s = (n: number) => `${n.toFixed(1)} s`;
console.log(
  `\n${eventCount} events, ${values.writers} writers, ${objectCount} objects, ${alertCount} alerts`,
);
if (base) console.log(`base: ${base.entry}\nthis: ${after.entry}`);
console.log(
  '| run | delivered | end to end | events/s | p50, p99 latency | CPU start, delivery | RSS ready, peak | start | load before → after |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results)
  console.log(
    `| ${r.flavour} | ${r.delivered} (${r.duplicates} dup) | ${s(r.totalSeconds)} | ${(r.delivered / r.totalSeconds).toFixed(0)} | ${(r.p50 / 1000).toFixed(1)} s, ${(r.p99 / 1000).toFixed(1)} s | ${s(r.cpuStart)}, ${s(r.cpuDelivery)} | ${r.readyRssMiB.toFixed(0)}, ${r.peakRssMiB.toFixed(0)} MiB | ${s(r.startSeconds)} | ${r.loadBefore} → ${r.loadAfter} |`,
  );
