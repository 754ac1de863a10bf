/**
 * The node's cgroup root in every cgroup v1 hierarchy of the host (the kubelet refuses a root
 * that does not exist), and its removal at teardown: every process still inside (the pods'
 * containers) is killed first, then the cgroups are removed deepest first.
 */
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { killUntilGone } from './kill.ts';

/** Mount points of the cgroup hierarchies (v1, and the v2 one of a hybrid host). */
async function hierarchies(): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    const type = after?.split(' ')[0];
    if (type === 'cgroup' || type === 'cgroup2') points.push(before?.split(' ')[4] ?? '');
  }
  return points.filter((point) => point !== '');
}

export async function createCgroupRoot(cgroupRoot: string): Promise<void> {
  for (const mount of await hierarchies()) {
    const dir = join(mount, cgroupRoot);
    await mkdir(dir, { recursive: true });
    // A new cpuset cgroup starts with no CPUs and no memory nodes: nothing could run in it.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const inherited = await readFile(join(mount, file), 'utf8').catch(() => undefined);
      if (inherited !== undefined) await writeFile(join(dir, file), inherited.trim());
    }
  }
}

async function subtree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const below = await Promise.all(
    entries.filter((entry) => entry.isDirectory()).map((entry) => subtree(join(dir, entry.name))),
  );
  return [...below.flat(), dir]; // deepest first
}

async function pidsIn(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

/** Every pid in the node's cgroups (one hierarchy is enough: a process is in all of them). */
export async function processesInCgroupRoot(cgroupRoot: string): Promise<number[]> {
  const mounts = await hierarchies();
  const pids = new Set<number>();
  for (const mount of mounts) {
    for (const dir of await subtree(join(mount, cgroupRoot)))
      for (const pid of await pidsIn(dir)) pids.add(pid);
  }
  return [...pids];
}

export async function removeCgroupRoot(cgroupRoot: string, timeoutMs = 10_000): Promise<void> {
  await killUntilGone(cgroupRoot, () => processesInCgroupRoot(cgroupRoot), timeoutMs);
  for (const mount of await hierarchies()) {
    for (const dir of await subtree(join(mount, cgroupRoot))) {
      // EBUSY for a moment after the last process died: retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  }
}
