/**
 * Our metrics registry (src/metrics) against prom-client, on the shape a controller has: per
 * object series (kind, namespace, name) of a gauge and a reconcile-duration histogram. Prints
 * heap bytes per object (after GC), the time to record and the time to render one scrape.
 *
 *   node --expose-gc bench/metrics.bench.ts [objects]
 */

import { Registry } from '@weft/runtime/metrics';
import client from 'prom-client';

const objects = Number(process.argv[2] ?? 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

const labelsOf = (i: number) => ({ kind: 'Kustomization', namespace: `team-${i % 100}`, name: `app-${i}` });

async function measure(
  name: string,
  build: () => { record: (i: number) => void; render: () => Promise<string> | string },
): Promise<void> {
  const before = heap();
  const metrics = build();
  const started = performance.now();
  for (let i = 0; i < objects; i++) metrics.record(i);
  const recordMs = performance.now() - started;
  const after = heap();
  const renderStarted = performance.now();
  const text = await metrics.render();
  const renderMs = performance.now() - renderStarted;
  console.log(
    `${name.padEnd(12)} ${objects} objects: ${((after - before) / objects).toFixed(0)} heap bytes/object, ` +
      `record ${recordMs.toFixed(0)} ms, render ${renderMs.toFixed(0)} ms (${(text.length / 2 ** 20).toFixed(1)} MiB)`,
  );
}

for (let round = 0; round < 2; round++) {
  await measure('weft', () => {
    const registry = new Registry();
    const condition = registry.gauge({
      name: 'weft_reconcile_condition',
      help: 'h',
      labelNames: ['kind', 'namespace', 'name'],
    });
    const duration = registry.histogram({
      name: 'weft_reconcile_duration_seconds',
      help: 'h',
      labelNames: ['kind', 'namespace', 'name'],
    });
    return {
      record: (i) => {
        condition.set(labelsOf(i), 1);
        duration.observe(labelsOf(i), (i % 100) / 100);
      },
      render: () => registry.render(),
    };
  });
  await measure('prom-client', () => {
    const registry = new client.Registry();
    const condition = new client.Gauge({
      name: 'weft_reconcile_condition',
      help: 'h',
      labelNames: ['kind', 'namespace', 'name'],
      registers: [registry],
    });
    const duration = new client.Histogram({
      name: 'weft_reconcile_duration_seconds',
      help: 'h',
      labelNames: ['kind', 'namespace', 'name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    return {
      record: (i) => {
        condition.set(labelsOf(i), 1);
        duration.observe(labelsOf(i), (i % 100) / 100);
      },
      render: () => registry.metrics(),
    };
  });
}
