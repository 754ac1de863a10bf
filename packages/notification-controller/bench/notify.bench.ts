/**
 * Events per second from the API server to a webhook, and delivery latency (event written →
 * request received), with 100 Alerts over 1,000 Kustomizations (each Alert routes the events
 * of 10 objects, by a name wildcard) and one generic Provider.
 *
 *   node packages/notification-controller/bench/notify.bench.ts [--events=2000] [--writers=32] [--objects=1000] [--alerts=100]
 *
 * Uses the cluster of WEFT_E2E_KUBECONFIG when set, else starts one. Prints its figures.
 */
import { parseArgs } from 'node:util';
import { kustomizationSample, NotificationApiVersion } from '@weft/api';
import { sharedKubeconfigEnv, startCluster, startWebhookSink } from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { EventRecorder, KubeEventSink } from '@weft/runtime/events';
import { sleep } from '@weft/runtime/retry';
import { installCrds, runController } from '../test/harness.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    objects: { type: 'string', default: '1000' },
    alerts: { type: 'string', default: '100' },
    writers: { type: 'string', default: '32' },
  },
});
const eventCount = Number(values.events);
const objectCount = Number(values.objects);
const alertCount = Number(values.alerts);
const perAlert = objectCount / alertCount;

const shared = process.env[sharedKubeconfigEnv];
const cluster = shared ? undefined : await startCluster();
const kubeConfig = await (async () => {
  if (cluster) return cluster.kubeConfig();
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(shared ?? '');
  return kc;
})();
const client = new Client(kubeConfig, { fieldManager: 'weft-bench' });
const sink = await startWebhookSink();

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const namespace = `bench-${Date.now().toString(36)}`;
try {
  await installCrds(client);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  let started = performance.now();
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
    spec: { type: 'generic', address: sink.url('/bench') },
  });
  await pool(
    Array.from({ length: alertCount }, (_, i) => i),
    16,
    async (i) => {
      await client.create({
        apiVersion: NotificationApiVersion,
        kind: 'Alert',
        metadata: { name: `alert-${i}`, namespace },
        spec: {
          providerRef: { name: 'sink' },
          eventSources: [{ kind: 'Kustomization', name: `app-${i}-*` }],
        },
      });
    },
  );
  console.log(
    `setup: ${objectCount} objects, ${alertCount} alerts in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const running = await runController(kubeConfig, ['--log-level=warn']);
  // Alerts must be in the controller's cache before their events are written.
  await sleep(1000);

  const recorder = new EventRecorder({
    sink: new KubeEventSink(kubeConfig),
    reportingController: 'weft.dev/kustomize-controller',
    reportingInstance: 'bench',
  });
  const writtenAt = new Map<string, number>();
  const jobs = Array.from({ length: eventCount }, (_, i) => i);
  started = performance.now();
  const wallStart = Date.now();
  await pool(jobs, Number(values.writers), async (i) => {
    const obj = objects[i % objects.length] as KubeObject;
    const note = `bench event ${i}`;
    await recorder.warning(obj, 'HealthCheckFailed', note);
    writtenAt.set(note, Date.now());
  });
  const writeSeconds = (performance.now() - started) / 1000;
  await sink.waitFor(() => true, 600_000, eventCount);
  const totalSeconds = (Date.now() - wallStart) / 1000;
  const latencies = sink.requests
    .map((r) => {
      const note = (r.json as { message?: string }).message ?? '';
      const at = writtenAt.get(note);
      return at === undefined ? undefined : r.receivedAt - at;
    })
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const duplicates = sink.requests.length - new Set(sink.requests.map((r) => r.body)).size;
  console.log(
    `events written: ${eventCount} in ${writeSeconds.toFixed(1)} s (${(eventCount / writeSeconds).toFixed(0)}/s)`,
  );
  console.log(
    `delivered: ${sink.requests.length} in ${totalSeconds.toFixed(1)} s → ${(sink.requests.length / totalSeconds).toFixed(0)} events/s end to end; duplicates: ${duplicates}`,
  );
  console.log(
    `latency (written → received): p50 ${pct(50)} ms, p90 ${pct(90)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1)} ms`,
  );
  await running.stop();
} finally {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => {});
  await sink.stop();
  await cluster?.stop();
}
