/**
 * One MTTP run on a fresh control plane: N Kustomizations of one artifact, created at once; the
 * time until all are Ready at the artifact's revision, then the time of an unchanged
 * re-reconcile of all (requested through the controller's requestedAt annotation). The
 * controller runs as its own process beside the benchmark; its CPU seconds and peak RSS are read
 * from /proc, so they do not depend on the machine's load the way wall time does.
 *
 * The same code runs weft's controller and Flux's: only the API groups, the annotation and the
 * process differ.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildArtifact, Storage, serve } from '@weft/artifact';
import { type Cluster, formatSeconds, processFigures, startCluster, waitUntil } from '@weft/e2e';
import { Client, isRecord, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { Informer } from '@weft/runtime/informer';
import { mapLimit } from '@weft/runtime/ssa';
import { apiserverMetrics, profileLines, requestCounts } from './profile.ts';
import { appManifests, kustomizationSpec, type Shape } from './workload.ts';

export interface Flavour {
  name: string;
  kustomizeApiVersion: string;
  sourceApiVersion: string;
  /** The annotation that asks for a reconcile (`reconcile.<group>/requestedAt`). */
  requestedAt: string;
  crds(): Promise<KubeObject[]>;
  /** Starts the controller against the cluster; resolves once it serves its metrics. */
  start(cluster: Cluster, work: string): Promise<{ child: ChildProcess; metricsUrl: string }>;
}

export interface RunOptions {
  count: number;
  shape: Shape;
  namespace: string;
  /** After the controller's runs, with the controller stopped, on the same apiserver. */
  afterwards?: (client: Client, cluster: Cluster) => Promise<void>;
  log: (line: string) => void;
  /** Each phase's figures the moment they exist (a run stopped early keeps them). */
  report: (line: string) => void;
  /** Log the apiserver's requests by verb and resource, and the controller's step times. */
  profile?: boolean;
  /** Extra kube-controller-manager flags for the run's cluster (its client rate limit). */
  controllerManagerArgs?: string[];
}

export interface RunResult {
  mttpMs: number;
  reconcileAllMs: number;
  /** CPU seconds of the controller: until all were Ready, and for the re-reconcile. */
  cpuApply: number;
  cpuReconcileAll: number;
  idleRssMiB: number;
  peakRssMiB: number;
  /** Load average at the start and at the end of the timed part. */
  loadBefore: number[];
  loadAfter: number[];
}

/** Only what the benchmark reads of a Kustomization, so its own cache stays small. */
function readiness(obj: KubeObject): KubeObject {
  const status = isRecord(obj.status) ? obj.status : {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name: obj.metadata.name ?? '', namespace: obj.metadata.namespace ?? '' },
    status: {
      conditions: conditions.isTrue(obj as unknown as conditions.Conditioned, 'Ready')
        ? [{ type: 'Ready', status: 'True' }]
        : [],
      lastAppliedRevision: status.lastAppliedRevision,
      lastHandledReconcileAt: status.lastHandledReconcileAt,
    },
  };
}

export async function runMttp(flavour: Flavour, work: string, options: RunOptions): Promise<RunResult> {
  const { count, namespace, log } = options;
  const cluster = await startCluster({
    name: `mttp-${flavour.name}`,
    controllerManagerArgs: options.controllerManagerArgs ?? [],
  });
  let controller: ChildProcess | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const client = new Client(await cluster.kubeConfig(), { fieldManager: 'bench' });
    for (const crd of await flavour.crds()) await client.apply(crd, { force: true });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await waitUntil(
      'default ServiceAccount',
      async () => client.find({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: 'default' }),
      { timeoutMs: 120_000 },
    );

    // One artifact, served as source-controller would, and a GitRepository whose status says so.
    const src = join(work, `src-${flavour.name}`);
    const storageRoot = join(work, `storage-${flavour.name}`);
    await mkdir(src, { recursive: true });
    await mkdir(storageRoot, { recursive: true });
    await writeFile(join(src, 'app.yaml'), appManifests(options.shape));
    server = await serve({ root: storageRoot });
    const storage = new Storage({ root: storageRoot, advertisedAddress: server.url });
    const ref = { kind: 'GitRepository', namespace, name: 'repo' };
    const stored = await storage.store(ref, (await buildArtifact({ dir: src })).path);
    const revision = `main@sha1:${stored.digest.slice(7, 47)}`;
    const repo = { apiVersion: flavour.sourceApiVersion, kind: 'GitRepository', namespace, name: 'repo' };
    await waitUntil(
      'GitRepository CRD served',
      async () =>
        client.create({
          apiVersion: repo.apiVersion,
          kind: repo.kind,
          metadata: { name: 'repo', namespace },
          spec: { url: 'https://example.invalid/repo.git', interval: '60m' },
        }),
      { timeoutMs: 60_000 },
    );
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.patchStatus(repo, {
      artifact: {
        path: stored.path,
        url: stored.url,
        revision,
        digest: stored.digest,
        lastUpdateTime: now,
        size: stored.size,
      },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'stored', lastTransitionTime: now },
        {
          type: 'ArtifactInStorage',
          status: 'True',
          reason: 'Succeeded',
          message: 'stored',
          lastTransitionTime: now,
        },
      ],
    });

    // The benchmark's own view of the Kustomizations: one watch, not a list every poll.
    const seen = new Informer(client, {
      apiVersion: flavour.kustomizeApiVersion,
      kind: 'Kustomization',
      namespace,
      transform: readiness,
    });
    const stopWatch = new AbortController();
    void seen.start(stopWatch.signal);
    await seen.waitForSync();

    const launched = await flavour.start(cluster, work);
    controller = launched.child;
    const pid = controller.pid ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleRss = (await processFigures(pid)).rssMiB;
    const cpuIdle = (await processFigures(pid)).cpuSeconds;

    const until = async (what: string, done: (ks: KubeObject) => boolean): Promise<void> => {
      await waitUntil(what, async () => (seen.list().filter(done).length === count ? true : undefined), {
        timeoutMs: 60 * 60_000,
        intervalMs: 100,
      });
    };
    const isReady = (ks: KubeObject) =>
      conditions.isTrue(ks as unknown as conditions.Conditioned, 'Ready') &&
      isRecord(ks.status) &&
      ks.status.lastAppliedRevision === revision;

    const names = Array.from({ length: count }, (_, i) => `app-${String(i).padStart(4, '0')}`);
    const loadBefore = loadavg();
    const metricsBefore = options.profile ? await apiserverMetrics(client) : '';
    log(`${flavour.name}: creating ${count} Kustomizations`);
    const started = performance.now();
    await mapLimit([...names.keys()], 20, async (index) => {
      const name = names[index] ?? '';
      await client.create({
        apiVersion: flavour.kustomizeApiVersion,
        kind: 'Kustomization',
        metadata: { name, namespace },
        spec: kustomizationSpec(options.shape, index, name, namespace),
      });
    });
    await until(`${count} Kustomizations Ready`, isReady);
    const mttpMs = performance.now() - started;
    const cpuApplied = (await processFigures(pid)).cpuSeconds;
    options.report(
      `${flavour.name} N=${count}: all Ready in ${formatSeconds(mttpMs)}, ${(cpuApplied - cpuIdle).toFixed(2)} CPU s, RSS ${((await processFigures(pid)).rssMiB).toFixed(0)} MiB now (idle ${idleRss.toFixed(0)}), load ${loadBefore[0]?.toFixed(1)}→${loadavg()[0]?.toFixed(1)}`,
    );
    const metricsReady = options.profile ? await apiserverMetrics(client) : '';
    if (options.profile) {
      const own = flavour.name.startsWith('weft')
        ? await (await fetch(launched.metricsUrl)).text()
        : undefined;
      for (const line of profileLines(requestCounts(metricsBefore, metricsReady), own)) log(line);
    }

    const token = `bench-${Date.now()}`;
    const reStarted = performance.now();
    await mapLimit(names, 20, (name) =>
      client.patch(
        { apiVersion: flavour.kustomizeApiVersion, kind: 'Kustomization', namespace, name },
        { metadata: { annotations: { [flavour.requestedAt]: token } } },
      ),
    );
    await until(
      `${count} Kustomizations re-reconciled`,
      (ks) => isReady(ks) && isRecord(ks.status) && ks.status.lastHandledReconcileAt === token,
    );
    const reconcileAllMs = performance.now() - reStarted;
    const loadAfter = loadavg();
    const cpuDone = (await processFigures(pid)).cpuSeconds;
    if (options.profile) {
      log(`${flavour.name}: the unchanged re-reconcile`);
      for (const line of profileLines(requestCounts(metricsReady, await apiserverMetrics(client)), undefined))
        log(line);
    }
    const peak = (await processFigures(pid)).peakRssMiB;
    options.report(
      `${flavour.name} N=${count}: unchanged re-reconcile of all in ${formatSeconds(reconcileAllMs)}, ${(cpuDone - cpuApplied).toFixed(2)} CPU s; peak RSS ${peak.toFixed(0)} MiB; load ${loadAfter[0]?.toFixed(1)}`,
    );
    stopWatch.abort();
    await seen.stop();

    await stopProcess(controller);
    controller = undefined;
    await options.afterwards?.(client, cluster);
    return {
      mttpMs,
      reconcileAllMs,
      cpuApply: cpuApplied - cpuIdle,
      cpuReconcileAll: cpuDone - cpuApplied,
      idleRssMiB: idleRss,
      peakRssMiB: peak,
      loadBefore,
      loadAfter,
    };
  } finally {
    if (controller) await stopProcess(controller);
    await server?.close();
    await cluster.stop();
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
