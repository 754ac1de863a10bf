// Mean time to production for HelmReleases, in the shape of Flux's MTTP benchmark: one Helm
// repository (the static HTTP server of e2e/) serving a podinfo-like chart (ServiceAccount,
// ConfigMap, Deployment scaled to zero, Service), N HelmReleases each with its own HelmChart (the
// `spec.chart` template), source-controller and helm-controller as their own processes, the real
// helm binary. Prints the wall time from the first creation until every HelmRelease is Ready, and
// the peak RSS of helm-controller summed with the helm processes it runs at that moment (sampled
// every 100 ms from /proc), beside the controller's own peak (VmHWM).
//
// CPU seconds of the controller and of its helm processes (reaped children) from /proc.
//
// Run: node packages/helm-controller/bench/mttp.bench.ts [N=100] [--concurrent=4]
//        [--release-engine=template|binary]
// Uses the cluster of WEFT_E2E_KUBECONFIG when set, else starts its own control plane.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, HelmApiVersion, HelmReleaseKind, SourceApiVersion } from '@weft/api';
import {
  freePort,
  nodeEntry,
  repoRoot,
  run,
  startCluster,
  startStaticHttpServer,
  toolPath,
  waitUntil,
} from '@weft/e2e';
import { Client, isRecord, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { loadKubeConfig } from '@weft/runtime/manager';
import { mapLimit } from '@weft/runtime/ssa';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100);
const concurrent = process.argv.find((a) => a.startsWith('--concurrent='))?.split('=')[1] ?? '4';
// template (the controller's own engine, the default) or binary (one helm process per action).
const releaseEngine =
  process.argv.find((a) => a.startsWith('--release-engine='))?.split('=')[1] ?? 'template';
const helmEntry = join(import.meta.dirname, '../bin/weft-helm-controller.js');
const sourceEntry = join(repoRoot, 'packages/source-controller/bin/weft-source-controller.js');
const helmBinary = toolPath('helm');
const namespace = `helm-bench-${Date.now().toString(36)}`;

const chartFiles: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: podinfo\nversion: 6.7.0\nappVersion: "6.7.0"\n',
  'values.yaml':
    'replicaCount: 0\nimage: {repository: ghcr.io/stefanprodan/podinfo, tag: 6.7.0}\nmessage: hello\n',
  'templates/serviceaccount.yaml':
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n',
  'templates/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | quote }}\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      serviceAccountName: {{ .Release.Name }}
      containers:
        - name: podinfo
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports: [{containerPort: 9898, name: http}]
`,
  'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{port: 9898, targetPort: http, name: http}]
`,
};

/**
 * RSS and PSS of `pid` and every process below it, in MiB. The helm processes share the pages of
 * one binary, so the RSS sum counts them once per process; PSS shares them out.
 */
async function treeMemoryMiB(pid: number): Promise<{ rss: number; pss: number }> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(Number(entry), ppid);
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of parents)
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
  }
  let rss = 0;
  let pss = 0;
  for (const member of tree) {
    const rollup = await readFile(`/proc/${member}/smaps_rollup`, 'utf8').catch(() => '');
    rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}

/**
 * CPU seconds of a process and of the children it has waited for (its helm processes, and the
 * post-renderers they ran): utime + stime + cutime + cstime of /proc/<pid>/stat.
 */
async function cpuSeconds(pid: number): Promise<{ own: number; children: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // Fields 14-17 of proc(5), counted from 1 with pid and comm before the ')'.
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  return { own: (utime + stime) / 100, children: (cutime + cstime) / 100 };
}

async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return s >= 60 ? `${Math.floor(s / 60)}m ${(s % 60).toFixed(1)}s` : `${s.toFixed(1)}s`;
}

const work = await mkdtemp(join(tmpdir(), 'weft-helm-mttp-'));
const shared = process.env.WEFT_E2E_KUBECONFIG;
const cluster = shared ? undefined : await startCluster({ name: 'weft-helm-mttp' });
const kubeconfigPath = shared ?? cluster?.kubeconfigPath ?? '';
const children: ChildProcess[] = [];
try {
  const client = new Client(loadKubeConfig({ kubeconfig: kubeconfigPath }), { fieldManager: 'bench' });
  for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });

  // The repository: the chart packaged by the real helm, indexed by it.
  const repo = await startStaticHttpServer();
  const chartDir = join(work, 'chart', 'podinfo');
  for (const [path, text] of Object.entries(chartFiles)) {
    await mkdir(join(chartDir, path, '..'), { recursive: true });
    await writeFile(join(chartDir, path), text);
  }
  const helmEnv = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    HELM_CACHE_HOME: join(work, '.hc'),
    HELM_CONFIG_HOME: join(work, '.hcfg'),
    HELM_DATA_HOME: join(work, '.hd'),
  };
  await run(helmBinary, ['package', chartDir, '-d', repo.root], { env: helmEnv });
  await run(helmBinary, ['repo', 'index', repo.root, '--url', repo.baseUrl], { env: helmEnv });

  const env = { ...process.env, NODE_COMPILE_CACHE: join(work, 'compile-cache') };
  const storagePort = await freePort();
  const start = (entry: string, args: string[]) => {
    const child = spawn(
      process.execPath,
      [
        ...nodeEntry(entry).args.slice(0, -1),
        entry,
        `--kubeconfig=${kubeconfigPath}`,
        '--health-addr=0',
        `--concurrent=${concurrent}`,
        process.env.BENCH_LOG ? '--log-level=debug' : '--log-level=error',
        ...args,
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env,
      },
    );
    children.push(child);
    return child;
  };
  start(sourceEntry, [
    `--storage-path=${join(work, 'storage')}`,
    `--storage-addr=127.0.0.1:${storagePort}`,
    '--metrics-addr=0',
  ]);
  const metricsPort = await freePort();
  const controller = start(helmEntry, [
    `--helm-binary=${helmBinary}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
    `--release-engine=${releaseEngine}`,
  ]);
  const sourcePid = children[0]?.pid ?? 0;
  const pid = controller.pid ?? 0;
  await waitUntil(
    'helm-controller serving metrics',
    async () =>
      (await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.ok || undefined,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = await treeMemoryMiB(pid);

  await client.create({
    apiVersion: SourceApiVersion,
    kind: 'HelmRepository',
    metadata: { name: 'podinfo', namespace },
    spec: { url: repo.baseUrl, interval: '10m' },
  });
  const peak = { rss: 0, pss: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = await treeMemoryMiB(pid);
      peak.rss = Math.max(peak.rss, now.rss);
      peak.pss = Math.max(peak.pss, now.pss);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  const names = Array.from({ length: count }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  const cpuBefore = await cpuSeconds(pid);
  const sourceCpuBefore = await cpuSeconds(sourcePid);
  const loadBefore = await loadAverage();
  const started = performance.now();
  await mapLimit(names, 20, (name) =>
    client.create({
      apiVersion: HelmApiVersion,
      kind: HelmReleaseKind,
      metadata: { name, namespace },
      spec: {
        interval: '1h',
        chart: {
          spec: { chart: 'podinfo', version: '6.x', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } },
        },
        values: { message: name },
      },
    }),
  );
  const isReady = (hr: KubeObject) =>
    conditions.isTrue(hr as unknown as conditions.Conditioned, 'Ready') &&
    isRecord(hr.status) &&
    hr.status.lastAttemptedRevision === '6.7.0';
  await waitUntil(
    `${count} HelmReleases Ready`,
    async () => {
      const list = await client.list({ apiVersion: HelmApiVersion, kind: HelmReleaseKind, namespace });
      return list.items.filter(isReady).length === count ? true : undefined;
    },
    { timeoutMs: 60 * 60_000, intervalMs: 500 },
  );
  const mttp = performance.now() - started;
  const cpuAfter = await cpuSeconds(pid);
  const sourceCpuAfter = await cpuSeconds(sourcePid);
  sampling = false;
  await sampler;
  const controllerPeak = await peakRssMiB(pid);
  console.log(
    JSON.stringify({
      helmReleases: count,
      helmCharts: count,
      objects: count * 4,
      concurrent: Number(concurrent),
      releaseEngine,
      helm: helmBinary,
    }),
  );
  console.log(`MTTP (create → all Ready):               ${seconds(mttp)}`);
  console.log(
    `CPU, controller process:                    ${(cpuAfter.own - cpuBefore.own).toFixed(1)} s; its helm processes: ${(cpuAfter.children - cpuBefore.children).toFixed(1)} s`,
  );
  console.log(
    `CPU, source-controller:                     ${(sourceCpuAfter.own - sourceCpuBefore.own).toFixed(1)} s`,
  );
  const load = await loadAverage();
  console.log(
    `idle controller:                            RSS ${idle.rss.toFixed(0)} MiB, PSS ${idle.pss.toFixed(0)} MiB`,
  );
  console.log(
    `peak, controller + its helm processes:      RSS ${peak.rss.toFixed(0)} MiB, PSS ${peak.pss.toFixed(0)} MiB (sampled every 100 ms)`,
  );
  console.log(`peak RSS of the controller process alone:   ${controllerPeak.toFixed(0)} MiB (VmHWM)`);
  console.log(
    `load average at the start / end:            ${loadBefore} / ${load} (${(await readFile('/proc/cpuinfo', 'utf8')).split('processor').length - 1} CPUs)`,
  );
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined);
  await repo.stop();
} finally {
  // Wait for the controllers to exit: they write their compile cache into the work directory.
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
          else child.once('exit', resolve).kill('SIGTERM');
        }),
    ),
  );
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
}
