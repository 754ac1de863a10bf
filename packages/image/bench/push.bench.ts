/**
 * Pushing the five controller images (`e2e/run setup` builds them) into a fresh e2e registry,
 * each as `weft/<controller>`, as the real-node tests do: every blob uploaded, against the
 * runtime layer the images share mounted from the first repository (`mountFrom`). Side by side,
 * alternating, so both see the same load; prints wall time and this process's CPU time.
 *   node packages/image/bench/push.bench.ts [rounds]
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { imagesDir, pushImageLayout, startOciRegistry, weftControllers } from '@weft/e2e';

const controllers = weftControllers;
const rounds = Number(process.argv[2] ?? 3);
const missing = controllers.find((name) => !existsSync(join(imagesDir(), name, 'index.json')));
if (missing) throw new Error(`no ${missing} image in ${imagesDir()}: run e2e/run setup`);

interface Run {
  wallMs: number;
  cpuMs: number;
}

async function pushAll(mount: boolean): Promise<Run> {
  const registry = await startOciRegistry();
  try {
    const pushed: string[] = [];
    const start = performance.now();
    const cpu = process.cpuUsage();
    for (const name of controllers) {
      const repository = `weft/${name}`;
      await pushImageLayout({ url: registry.url }, join(imagesDir(), name), repository, '0.1.0', {
        ...(mount ? { mountFrom: pushed } : {}),
      });
      pushed.push(repository);
    }
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    await registry.stop();
  }
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(`load average ${load()}`);
const results: Record<'upload' | 'mount', Run[]> = { upload: [], mount: [] };
for (let round = 0; round < rounds; round++) {
  results.upload.push(await pushAll(false));
  results.mount.push(await pushAll(true));
}
for (const [name, runs] of Object.entries(results)) {
  const wall = median(runs.map((run) => run.wallMs));
  const cpu = median(runs.map((run) => run.cpuMs));
  console.log(
    `${name === 'upload' ? 'every blob uploaded ' : 'shared layer mounted'}  wall median ${(wall / 1000).toFixed(1)} s  cpu median ${(cpu / 1000).toFixed(2)} s  (${rounds} rounds)`,
  );
}
console.log(`load average ${load()}`);
