/** Figures of a process that do not depend on the machine's load: CPU seconds and peak RSS. */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

/** User + system CPU seconds of a process (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

async function statusField(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Resident memory now, MiB. */
export const rssMiB = (pid: number): Promise<number> => statusField(pid, 'VmRSS');

/** Peak resident memory (VmHWM), MiB. */
export const peakRssMiB = (pid: number): Promise<number> => statusField(pid, 'VmHWM');

/** The 1-minute load average, as `uptime` prints it. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return s >= 60 ? `${Math.floor(s / 60)}m${(s % 60).toFixed(1)}s` : `${s.toFixed(1)}s`;
}
