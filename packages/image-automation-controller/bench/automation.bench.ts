/**
 * 100 ImageUpdateAutomations, each updating one of 100 files of one repository (one branch):
 * every policy gets a new latestRef at once; measured is the time from that write to each
 * automation's pushed commit (p50, p95, max, all), the pushes the git server saw (rejected ones
 * included: they all push to one branch), the automations that missed their trigger (no push
 * within BENCH_STALL_MS, default 120 s, of the last one: they would wait for their 1 h interval),
 * and the controller's CPU seconds and peak RSS (it runs as its own process, so the figures are
 * its own), and a profile of where the time went, from the controller's `pushed` log lines: before
 * the push was submitted (the watch event, the wait for a worker, the reads of the run), queued
 * behind other batches of the branch, fetch, commit, push, and the runs per push. Prints
 * figures; asserts nothing.
 *
 *   node bench/automation.bench.ts      (BENCH_AUTOMATIONS to change the count, BENCH_CONCURRENT
 *                                        for the controller's --concurrent, default 4,
 *                                        BENCH_CONTROLLER_ENTRY for another tree's bin, e.g. the
 *                                        code before a change, run beside this one at once)
 *
 * Uses the cluster of WEFT_E2E_KUBECONFIG when set, else starts one.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, ImageApiVersion, Label, SourceApiVersion } from '@weft/api';
import {
  type Cluster,
  eventually,
  loadAverage,
  ManagedProcess,
  nodeEntry,
  processFigures,
  repoRoot,
  sharedKubeconfigEnv,
  startCluster,
  startGitHttpServer,
} from '@weft/e2e';
import { Client, type KubeObject, RestConfig } from '@weft/runtime/client';
import { printProfile } from './automation-profile.ts';

const count = Number(process.env.BENCH_AUTOMATIONS ?? 100);
const concurrent = Number(process.env.BENCH_CONCURRENT ?? 4);
const namespace = `iua-bench-${Date.now().toString(36)}`;
const shard = namespace;
const labels = { [Label.ShardKey]: shard };

let cluster: Cluster | undefined;
let kubeconfigPath = process.env[sharedKubeconfigEnv];
if (!kubeconfigPath) {
  cluster = await startCluster();
  kubeconfigPath = cluster.kubeconfigPath;
}
const client = new Client(RestConfig.fromFiles(kubeconfigPath), { fieldManager: 'iua-bench' });
const dir = await mkdtemp(join(tmpdir(), 'iua-bench-'));
const git = await startGitHttpServer();

const policyName = (i: number) => `app-${String(i).padStart(3, '0')}`;
const file = (i: number, tag: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${policyName(i)}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example/${policyName(i)}:${tag} # {"$imagepolicy": "${namespace}:${policyName(i)}"}\n`;

const controller = new ManagedProcess({
  name: 'image-automation-controller',
  command: process.execPath,
  args: [
    ...nodeEntry(
      process.env.BENCH_CONTROLLER_ENTRY ??
        join(
          repoRoot,
          'packages',
          'image-automation-controller',
          'bin',
          'weft-image-automation-controller.js',
        ),
    ).args,
    `--kubeconfig=${kubeconfigPath}`,
    '--metrics-addr=0',
    '--health-addr=0',
    `--concurrent=${concurrent}`,
    `--watch-label-selector=${Label.ShardKey}=${shard}`,
    '--log-level=info',
  ],
  env: { TMPDIR: dir },
  logFile: join(dir, 'controller.log'),
});

try {
  for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
  await eventually('CRDs served', () =>
    client.list({ apiVersion: ImageApiVersion, kind: 'ImagePolicy', limit: 1 }),
  );
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`apps/${policyName(i)}/deploy.yaml`] = file(i, '1.0.0');
  await git.createRepo('fleet', files);
  await client.create({
    apiVersion: SourceApiVersion,
    kind: 'GitRepository',
    metadata: { name: 'fleet', namespace },
    spec: { url: git.url('fleet'), interval: '1h', ref: { branch: 'main' } },
  });
  const policyRef = (i: number) => ({
    apiVersion: ImageApiVersion,
    kind: 'ImagePolicy',
    namespace,
    name: policyName(i),
  });
  const automationRef = (i: number) => ({ ...policyRef(i), kind: 'ImageUpdateAutomation' });
  for (let i = 0; i < count; i++) {
    await client.create({
      ...policyRef(i),
      // The shard label too: with --watch-label-selector the controller sees only the policies
      // of its shard (as Flux's, whose selector applies to every kind it watches).
      metadata: { name: policyName(i), namespace, labels: { ...labels, policy: policyName(i) } },
      spec: { imageRepositoryRef: { name: policyName(i) }, policy: { semver: { range: '>=0.0.0' } } },
    });
    await client.patchStatus(policyRef(i), {
      latestRef: { name: `registry.example/${policyName(i)}`, tag: '1.0.0' },
    });
    await client.create({
      ...automationRef(i),
      metadata: { name: policyName(i), namespace, labels },
      spec: {
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
        interval: '1h',
        policySelector: { matchLabels: { policy: policyName(i) } },
        update: { path: `./apps/${policyName(i)}`, strategy: 'Setters' },
        git: { commit: { author: { name: 'bench', email: 'bench@example.invalid' } } },
      },
    });
  }
  controller.start();
  const statusOf = async (i: number) =>
    ((await client.get(automationRef(i))).status ?? {}) as {
      lastPushCommit?: string;
      conditions?: { type: string; status: string }[];
    };
  // Every automation has run once and found nothing to change.
  await eventually(
    'all automations up to date',
    async () => {
      for (let i = 0; i < count; i++) {
        const ready = (await statusOf(i)).conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True') return undefined;
      }
      return true;
    },
    600_000,
  );
  const pushesBefore = git.requests.filter(
    (r) => r.method === 'POST' && r.path.endsWith('/git-receive-pack'),
  ).length;
  const pid = controller.pid as number;
  const before = await processFigures(pid);
  const loadBefore = loadAverage();

  const start = performance.now();
  const startEpochMs = Date.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.patchStatus(policyRef(i), {
        latestRef: { name: `registry.example/${policyName(i)}`, tag: '1.1.0' },
      }),
    ),
  );
  const latencies = new Map<number, number>();
  // An automation whose trigger was missed pushes only at its interval (1 h): once nothing has
  // been pushed for `stallMs`, the ones left count as misses rather than failing the bench.
  const stallMs = Number(process.env.BENCH_STALL_MS ?? 120_000);
  let lastProgress = performance.now();
  await eventually(
    'every automation pushed, or no push for a while',
    async () => {
      const pending = Array.from({ length: count }, (_, i) => i).filter((i) => !latencies.has(i));
      await Promise.all(
        pending.map(async (i) => {
          if ((await statusOf(i)).lastPushCommit !== undefined) {
            latencies.set(i, performance.now() - start);
            lastProgress = performance.now();
          }
        }),
      );
      if (latencies.size === count) return true;
      return performance.now() - lastProgress > stallMs ? true : undefined;
    },
    1_800_000,
  );
  const missed = Array.from({ length: count }, (_, i) => i).filter((i) => !latencies.has(i));
  // Until the last push seen (a stall spent waiting for misses is not throughput).
  const total = Math.max(0, ...latencies.values());
  const after = await processFigures(pid);
  const pushes =
    git.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/git-receive-pack')).length -
    pushesBefore;
  const commits = Number(
    (await git.repos.readFile('fleet', 'refs/heads/main', `apps/${policyName(0)}/deploy.yaml`)).includes(
      ':1.1.0',
    ),
  );
  const sorted = [...latencies.values()].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
  const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
  console.log(
    `ImageUpdateAutomation bench: ${count} automations, one file each, one branch, --concurrent=${concurrent}${process.env.BENCH_CONTROLLER_ENTRY ? ` (controller ${process.env.BENCH_CONTROLLER_ENTRY})` : ''}`,
  );
  console.log(
    `  new latestRef → pushed commit: p50 ${seconds(pct(50))}, p95 ${seconds(pct(95))}, max ${seconds(sorted.at(-1) ?? Number.NaN)}`,
  );
  console.log(
    `  ${latencies.size} of ${count} pushed in ${seconds(total)} (${(latencies.size / (total / 1000)).toFixed(2)} commits/s)`,
  );
  console.log(
    `  missed (no push ${seconds(stallMs)} after the last one): ${missed.length}${missed.length > 0 ? ` (${missed.map(policyName).join(', ')})` : ''}`,
  );
  console.log(`  receive-pack POSTs (pushes reaching the server): ${pushes} for ${count} commits`);
  console.log(
    `  controller CPU: ${(after.cpuSeconds - before.cpuSeconds).toFixed(1)} s during the run; peak RSS ${after.peakRssMiB.toFixed(0)} MiB`,
  );
  console.log(`  first file updated on main: ${commits === 1 ? 'yes' : 'no'}`);
  console.log(`  load average: ${loadBefore} before, ${loadAverage()} after`);
  printProfile(await readFile(join(dir, 'controller.log'), 'utf8'), startEpochMs);
} finally {
  await controller.stop();
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
  await git.stop();
  await rm(dir, { recursive: true, force: true });
  await cluster?.stop();
}
