/**
 * Work queue throughput. Run: node bench/queue.bench.ts
 *
 * 1. 10,000 distinct keys, no-op reconcile, concurrency 4: keys/s from first add to idle.
 * 2. 100 hot keys, each updated 100 times while reconciles run (an async reconcile that yields
 *    once): updates/s absorbed, and how many reconciles they cost (dedup + dirty set).
 */
import { performance } from 'node:perf_hooks';
import { WorkQueue } from '@weft/runtime/queue';

async function distinctKeys(count: number, concurrency: number): Promise<void> {
  let reconciles = 0;
  const queue = new WorkQueue({
    concurrency,
    handler: async () => {
      reconciles++;
    },
  });
  const start = performance.now();
  for (let i = 0; i < count; i++) queue.add(`ns-${i % 50}/obj-${i}`);
  await queue.onIdle();
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `distinct keys: ${count} keys, concurrency ${concurrency}: ${reconciles} reconciles in ${(seconds * 1000).toFixed(1)} ms = ${Math.round(reconciles / seconds).toLocaleString('en-US')} keys/s`,
  );
}

async function hotKeys(keys: number, updatesPerKey: number, concurrency: number): Promise<void> {
  let reconciles = 0;
  const queue = new WorkQueue({
    concurrency,
    handler: async () => {
      reconciles++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  });
  const start = performance.now();
  for (let round = 0; round < updatesPerKey; round++) {
    for (let k = 0; k < keys; k++) queue.add(`ns/hot-${k}`);
    // Let some reconciles start between rounds, as watch events arrive over time.
    if (round % 10 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await queue.onIdle();
  const seconds = (performance.now() - start) / 1000;
  const updates = keys * updatesPerKey;
  console.log(
    `hot keys: ${keys} keys x ${updatesPerKey} updates, concurrency ${concurrency}: ${updates} updates -> ${reconciles} reconciles (${(reconciles / keys).toFixed(1)} per key) in ${(seconds * 1000).toFixed(1)} ms = ${Math.round(updates / seconds).toLocaleString('en-US')} updates/s`,
  );
}

// Warm up the JIT so the first figure is not mostly compilation.
await distinctKeys(2000, 4);
console.log('--- measured ---');
for (let run = 0; run < 3; run++) await distinctKeys(10_000, 4);
for (let run = 0; run < 3; run++) await hotKeys(100, 100, 4);
