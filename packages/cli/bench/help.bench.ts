/**
 * How long `weft --help` takes to start and exit, next to `node -e 0` on the same machine, with a
 * warm compile cache (the first run warms it). Prints the median and the spread of 15 runs each
 * of the wall time and, when GNU time is installed (/usr/bin/time), of the CPU time (user + sys)
 * and the peak RSS, which depend less on how loaded a shared machine is; and the load average.
 *   node packages/cli/bench/help.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', 'bin', 'weft.js');
const cache = mkdtempSync(join(tmpdir(), 'weft-help-bench-'));
const env = { ...process.env, NODE_COMPILE_CACHE: cache };
const runs = 15;
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const usageFile = join(cache, 'usage');

interface Run {
  wallMs: number;
  cpuMs?: number;
  rssMiB?: number;
}

function once(args: string[]): Run {
  const start = process.hrtime.bigint();
  if (gnuTime) {
    execFileSync(gnuTime, ['-f', '%U %S %M', '-o', usageFile, process.execPath, ...args], {
      env,
      stdio: 'ignore',
    });
  } else {
    execFileSync(process.execPath, args, { env, stdio: 'ignore' });
  }
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (!gnuTime) return { wallMs };
  const [user, sys, maxKiB] =
    readFileSync(usageFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
  return { wallMs, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000, rssMiB: (maxKiB ?? 0) / 1024 };
}

function timed(args: string[]): Run[] {
  once(args);
  return Array.from({ length: runs }, () => once(args));
}

function spread(values: number[], unit: string): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.toFixed(0);
  return `median ${at(0.5)} ${unit} (min ${at(0)}, p90 ${at(0.9)})`;
}

function report(name: string, results: Run[]): void {
  const parts = [
    `wall ${spread(
      results.map((r) => r.wallMs),
      'ms',
    )}`,
  ];
  if (gnuTime) {
    parts.push(
      `cpu ${spread(
        results.map((r) => r.cpuMs ?? 0),
        'ms',
      )}`,
    );
    parts.push(`peak RSS ${Math.max(...results.map((r) => r.rssMiB ?? 0)).toFixed(1)} MiB`);
  }
  console.log(`${name.padEnd(22)} ${parts.join('  ')}`);
}

try {
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  report('node -e 0', timed(['-e', '0']));
  report('weft --help', timed([bin, '--help']));
  report('weft version --client', timed([bin, 'version', '--client']));
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(cache, { recursive: true, force: true });
}
