/**
 * How long `weft --help` takes to start and exit, next to `node -e 0` on the same machine, with a
 * warm compile cache (the first run warms it). Prints the median and the spread of 15 runs each.
 *   node packages/cli/bench/help.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', 'bin', 'weft.js');
const cache = mkdtempSync(join(tmpdir(), 'weft-help-bench-'));
const env = { ...process.env, NODE_COMPILE_CACHE: cache };
const runs = 15;

function timed(args: string[]): number[] {
  execFileSync(process.execPath, args, { env, stdio: 'ignore' });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, args, { env, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

function report(name: string, times: number[]): void {
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]?.toFixed(0);
  console.log(`${name.padEnd(14)} median ${at(0.5)} ms  min ${at(0)} ms  p90 ${at(0.9)} ms`);
}

try {
  report('node -e 0', timed(['-e', '0']));
  report('weft --help', timed([bin, '--help']));
  report('weft version --client', timed([bin, 'version', '--client']));
} finally {
  rmSync(cache, { recursive: true, force: true });
}
