// Mean time to production, as Flux's MTTP benchmark: N Kustomizations (each a Deployment scaled to
// zero, a ServiceAccount, a Service and an Ingress, `wait: true`) from one artifact, on the local
// control plane. Prints the wall time from the first creation until all are Ready, the peak RSS of
// the controller process (VmHWM, it runs as its own process) and the time for an unchanged
// re-reconcile of all (requested with reconcile.weft.dev/requestedAt).
//
// Also the RSS of the idle controller (started, caches synced, nothing to reconcile yet).
//
// The controller starts as its executable does: with the V8 flags of its shebang
// (--max-semi-space-size=2), and with the compile cache warmed first, as a container image ships it
// (a first start with a cold cache also loads Node's type stripper: ~+25 MiB RSS).
//
// Run: node packages/kustomize-controller/bench/mttp.bench.ts [N=100] [--concurrent=4]
//      [--v8-defaults] [--cold] [--node-arg=--max-old-space-size=256 ...]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crds, KustomizationKind, KustomizeApiVersion, SourceApiVersion } from '@weft/api';
import { buildArtifact, Storage, serve } from '@weft/artifact';
import { freePort, nodeEntry, startCluster, waitUntil } from '@weft/e2e';
import { Client, isRecord, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { mapLimit } from '@weft/runtime/ssa';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100);
const concurrent = process.argv.find((a) => a.startsWith('--concurrent='))?.split('=')[1] ?? '4';
const entryPath = join(import.meta.dirname, '../bin/weft-kustomize-controller.js');
// The shebang's flags, unless --v8-defaults; then any --node-arg=X (repeatable).
const nodeArgs = [
  ...(process.argv.includes('--v8-defaults') ? [] : nodeEntry(entryPath).args.slice(0, -1)),
  ...process.argv.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length)),
];
// --cold: start the controller with an empty compile cache.
const cold = process.argv.includes('--cold');
const namespace = 'bench';

const app = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 0
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      serviceAccountName: app
      containers:
        - name: app
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          ports: [{containerPort: 9898, name: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: http, name: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: app, port: {name: http}}}
`;

/** A gauge from the controller's /metrics. */
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

const ksRef = (name: string) => ({
  apiVersion: KustomizeApiVersion,
  kind: KustomizationKind,
  namespace,
  name,
});

function seconds(ms: number): string {
  const s = ms / 1000;
  return s >= 60 ? `${Math.floor(s / 60)}m ${(s % 60).toFixed(1)}s` : `${s.toFixed(1)}s`;
}

const work = await mkdtemp(join(tmpdir(), 'weft-mttp-'));
const cluster = await startCluster({ name: 'weft-mttp' });
let controller: ChildProcess | undefined;
try {
  const client = new Client(await cluster.kubeConfig(), { fieldManager: 'bench' });
  for (const crd of crds()) await client.apply(crd as unknown as KubeObject, { force: true });
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await waitUntil(
    'default ServiceAccount',
    async () => client.find({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: 'default' }),
    { timeoutMs: 60_000 },
  );

  // One artifact, served as source-controller would.
  const storageRoot = join(work, 'storage');
  await mkdir(join(work, 'src'), { recursive: true });
  await mkdir(storageRoot);
  await writeFile(join(work, 'src', 'app.yaml'), app);
  const server = await serve({ root: storageRoot });
  const storage = new Storage({ root: storageRoot, advertisedAddress: server.url });
  const ref = { kind: 'GitRepository', namespace, name: 'repo' };
  const stored = await storage.store(ref, (await buildArtifact({ dir: join(work, 'src') })).path);
  const revision = `main@sha1:${stored.digest.slice(7, 47)}`;
  await waitUntil(
    'GitRepository CRD served',
    async () =>
      client.create({
        apiVersion: SourceApiVersion,
        kind: 'GitRepository',
        metadata: { name: 'repo', namespace },
        spec: { url: 'https://example.invalid/repo.git', interval: '1h' },
      }),
    { timeoutMs: 60_000 },
  );
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.patchStatus(
    { apiVersion: SourceApiVersion, kind: 'GitRepository', namespace, name: 'repo' },
    {
      artifact: { path: stored.path, url: stored.url, revision, digest: stored.digest, lastUpdateTime: now },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'stored', lastTransitionTime: now },
      ],
    },
  );

  // The controller, as its own process, with a compile cache of its own.
  const compileCache = join(work, 'compile-cache');
  const env = { ...process.env, NODE_COMPILE_CACHE: compileCache };
  if (!cold) {
    // What an image build does: load every module once so the cache holds them.
    const runModule = join(import.meta.dirname, '../src/run.ts');
    const warm = spawn(process.execPath, ['--import', runModule, '-e', ''], { env, stdio: 'inherit' });
    await new Promise((resolve) => warm.once('exit', resolve));
  }
  const metricsPort = await freePort();
  controller = spawn(
    process.execPath,
    [
      ...nodeArgs,
      entryPath,
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      '--health-addr=0',
      `--concurrent=${concurrent}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], env },
  );
  const pid = controller.pid ?? 0;
  await waitUntil(
    'controller serving metrics',
    async () =>
      (await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.ok || undefined,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idleRss = await rssMiB(pid);

  const names = Array.from({ length: count }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  const started = performance.now();
  await mapLimit(names, 20, (name) =>
    client.create({
      apiVersion: KustomizeApiVersion,
      kind: KustomizationKind,
      metadata: { name, namespace },
      spec: {
        interval: '1h',
        prune: true,
        wait: true,
        timeout: '2m',
        path: './',
        namePrefix: `${name}-`,
        targetNamespace: namespace,
        sourceRef: { kind: 'GitRepository', name: 'repo' },
      },
    }),
  );
  const readyCount = async (check: (ks: KubeObject) => boolean): Promise<number> => {
    const list = await client.list({ apiVersion: KustomizeApiVersion, kind: KustomizationKind, namespace });
    return list.items.filter(check).length;
  };
  const isReady = (ks: KubeObject) =>
    conditions.isTrue(ks as Parameters<typeof conditions.isTrue>[0], 'Ready') &&
    isRecord(ks.status) &&
    ks.status.lastAppliedRevision === revision;
  await waitUntil(
    `${count} Kustomizations Ready`,
    async () => ((await readyCount(isReady)) === count ? true : undefined),
    { timeoutMs: 30 * 60_000, intervalMs: 500 },
  );
  const mttp = performance.now() - started;
  const rssAfterApply = await peakRssMiB(pid);

  // Unchanged re-reconcile of all.
  const token = `bench-${Date.now()}`;
  const reStarted = performance.now();
  await mapLimit(names, 20, (name) =>
    client.patch(ksRef(name), { metadata: { annotations: { 'reconcile.weft.dev/requestedAt': token } } }),
  );
  await waitUntil(
    `${count} Kustomizations re-reconciled`,
    async () =>
      (await readyCount(
        (ks) => isReady(ks) && isRecord(ks.status) && ks.status.lastHandledReconcileAt === token,
      )) === count
        ? true
        : undefined,
    { timeoutMs: 30 * 60_000, intervalMs: 500 },
  );
  const reconcileAll = performance.now() - reStarted;
  const rssPeak = await peakRssMiB(pid);
  const heapMiB = (await metric(metricsPort, 'nodejs_heap_used_bytes')) / 1048576;
  const rssNowMiB = (await metric(metricsPort, 'process_resident_memory_bytes')) / 1048576;

  console.log(
    JSON.stringify({
      kustomizations: count,
      objects: count * 4,
      concurrent: Number(concurrent),
      nodeArgs,
      compileCache: cold ? 'cold' : 'warm',
    }),
  );
  console.log(`MTTP (create → all Ready):     ${seconds(mttp)}`);
  console.log(`unchanged re-reconcile of all: ${seconds(reconcileAll)}`);
  console.log(`idle controller RSS:           ${idleRss.toFixed(0)} MiB`);
  console.log(
    `controller peak RSS:           ${rssPeak.toFixed(0)} MiB (${rssAfterApply.toFixed(0)} MiB after the first apply; now ${rssNowMiB.toFixed(0)} MiB RSS, ${heapMiB.toFixed(0)} MiB heap used)`,
  );
  await server.close();
} finally {
  controller?.kill('SIGTERM');
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
}
