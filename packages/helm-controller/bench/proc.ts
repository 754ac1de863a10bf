/** What the benchmark reads from /proc about the controllers it starts. */
import { readdir, readFile } from 'node:fs/promises';

/**
 * RSS and PSS of `pid` and every process below it, in MiB. weft's helm processes share the pages
 * of one binary, so the RSS sum counts them once per process; PSS shares them out.
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

/** `pid` and every process below it now. */
async function processTree(pid: number): Promise<Set<number>> {
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
  return tree;
}

/** utime + stime and cutime + cstime of /proc/<pid>/stat, in seconds (0 for a process gone). */
async function statCpu(pid: number): Promise<{ own: number; reaped: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ')');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // Fields 14-17 of proc(5), counted from 1 with pid and comm before the ')'.
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  return { own: (utime + stime) / 100, reaped: (cutime + cstime) / 100 };
}

/**
 * CPU seconds of a process and of its child processes: those it has waited for (weft's helm
 * processes, and the post-renderers they ran) and those still running (the long-running
 * renderer, with what it has waited for), so a difference of two readings is the CPU spent
 * between them.
 */
export async function cpuSeconds(pid: number): Promise<{ own: number; children: number }> {
  const self = await statCpu(pid);
  let children = self.reaped;
  for (const member of await processTree(pid)) {
    if (member === pid) continue;
    const cpu = await statCpu(member);
    children += cpu.own + cpu.reaped;
  }
  return { own: self.own, children };
}

export async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}

/** The process's own peak resident set (VmHWM), MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** The summed peak resident sets (VmHWM) of the processes below `pid` now, MiB. */
export async function childrenPeakRssMiB(pid: number): Promise<number> {
  let sum = 0;
  for (const member of await processTree(pid))
    if (member !== pid) sum += (await peakRssMiB(member).catch(() => 0)) || 0;
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

export function seconds(ms: number): string {
  const s = ms / 1000;
  return s >= 60 ? `${Math.floor(s / 60)}m ${(s % 60).toFixed(1)}s` : `${s.toFixed(1)}s`;
}
