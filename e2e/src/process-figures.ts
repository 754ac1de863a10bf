/**
 * What a benchmark reports about a process it started, from Linux's /proc: CPU seconds and peak
 * resident memory, the figures that do not move with the machine's load (wall times do), and the
 * load average to print beside wall times.
 */
import { readFile } from 'node:fs/promises';
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

export async function processFigures(pid: number): Promise<ProcessFigures> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // The command name may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return {
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
    rssMiB: kib('VmRSS') / 1024,
    peakRssMiB: kib('VmHWM') / 1024,
  };
}

/** The 1-, 5- and 15-minute load averages, as `uptime` prints them. */
export function loadAverage(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}
