/**
 * What a benchmark reports about a process it started, from Linux's /proc: CPU seconds and peak
 * resident memory, the figures that do not move with the machine's load (wall times do), and the
 * load average to print beside wall times. For a controller that runs child processes
 * (helm-controller's helm processes and renderer) the same figures of its process tree.
 */
import { readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

export interface ProcessFigures {
  /** User + system CPU seconds so far (fields 14 and 15 of /proc/<pid>/stat). */
  cpuSeconds: number;
  /** Resident memory now (VmRSS), MiB. */
  rssMiB: number;
  /** Peak resident memory since the start (VmHWM), MiB. */
  peakRssMiB: number;
}

/** Linux counts CPU time in clock ticks of USER_HZ, 100 on every architecture Node runs on. */
const ticksPerSecond = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces), as numbers. */
function statFields(stat: string): number[] {
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}

export async function processFigures(pid: number): Promise<ProcessFigures> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // Fields 14 and 15 of proc(5), counted from 1 with pid and comm before the ')'.
  const [utime = Number.NaN, stime = Number.NaN] = statFields(stat).slice(11, 13);
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return {
    cpuSeconds: (utime + stime) / ticksPerSecond,
    rssMiB: kib('VmRSS') / 1024,
    peakRssMiB: kib('VmHWM') / 1024,
  };
}

/** `pid` and every process below it now. */
export async function processTree(pid: number): Promise<Set<number>> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    parents.set(Number(entry), statFields(stat)[1] ?? 0);
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
  return tree;
}

/** utime + stime and cutime + cstime of /proc/<pid>/stat, in seconds (0 for a process gone). */
async function ownAndReapedCpu(pid: number): Promise<{ own: number; reaped: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ')');
  // Fields 14-17 of proc(5).
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = statFields(stat).slice(11, 15);
  return { own: (utime + stime) / ticksPerSecond, reaped: (cutime + cstime) / ticksPerSecond };
}

/**
 * CPU seconds of a process and of its child processes: those it has waited for and those still
 * running (with what they have waited for), so a difference of two readings is the CPU spent
 * between them.
 */
export async function treeCpuSeconds(pid: number): Promise<{ own: number; children: number }> {
  const self = await ownAndReapedCpu(pid);
  let children = self.reaped;
  for (const member of await processTree(pid)) {
    if (member === pid) continue;
    const cpu = await ownAndReapedCpu(member);
    children += cpu.own + cpu.reaped;
  }
  return { own: self.own, children };
}

/**
 * RSS and PSS of `pid` and every process below it, in MiB. Processes that share the pages of one
 * binary count them once per process in the RSS sum; PSS shares them out.
 */
export async function treeMemoryMiB(pid: number): Promise<{ rss: number; pss: number }> {
  let rss = 0;
  let pss = 0;
  for (const member of await processTree(pid)) {
    const rollup = await readFile(`/proc/${member}/smaps_rollup`, 'utf8').catch(() => '');
    rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}

/** The summed peak resident sets (VmHWM) of the processes below `pid` now, MiB. */
export async function childrenPeakRssMiB(pid: number): Promise<number> {
  let sum = 0;
  for (const member of await processTree(pid))
    if (member !== pid) sum += (await processFigures(member).catch(() => undefined))?.peakRssMiB || 0;
  return sum;
}

/** Samples the tree's memory every 100 ms until `stop`, keeping the peaks. */
export function sampleTreeMemory(pid: number): { stop(): Promise<{ rss: number; pss: number }> } {
  const peak = { rss: 0, pss: 0 };
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const now = await treeMemoryMiB(pid);
      peak.rss = Math.max(peak.rss, now.rss);
      peak.pss = Math.max(peak.pss, now.pss);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return peak;
    },
  };
}

/** The 1-, 5- and 15-minute load averages, as `uptime` prints them. */
export function loadAverage(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

/** A wall time as benchmarks print it: `12.3s`, `2m5.0s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s >= 60 ? `${Math.floor(s / 60)}m${(s % 60).toFixed(1)}s` : `${s.toFixed(1)}s`;
}
