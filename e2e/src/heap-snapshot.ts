/**
 * Heap snapshots of a benchmarked process: it starts with `heapSnapshotFlags(dir)`
 * (`--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR`); `writeHeapSnapshot` signals it and waits
 * for the file (after the figures are read: writing a snapshot costs memory itself).
 * `node e2e/src/heap-snapshot.ts FILE…` prints what holds each heap (`summariseHeapSnapshot`).
 */
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from './cluster/wait.ts';

/** Node flags that let a bench ask for a snapshot into `dir` (none without a directory). */
export function heapSnapshotFlags(dir: string | undefined): string[] {
  return dir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`] : [];
}

/** Signals `pid` and waits until its snapshot is written; returns its path, `DIR/<name>.heapsnapshot`. */
export async function writeHeapSnapshot(pid: number, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const before = new Set(await readdir(dir));
  process.kill(pid, 'SIGUSR2');
  const written = await waitUntil(
    `a heap snapshot of ${name}`,
    async () => {
      const file = (await readdir(dir)).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
      if (!file) return undefined;
      // Complete once its size stops changing (V8 streams it out).
      const size = (await stat(join(dir, file))).size;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return size > 0 && (await stat(join(dir, file))).size === size ? file : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 1000 },
  );
  const path = join(dir, `${name.replace(/\W+/g, '-')}.heapsnapshot`);
  await rename(join(dir, written), path);
  return path;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/**
 * Self sizes summed by node type and constructor/name (`(string)`, `Object`, `Map`…), the largest
 * first, and the largest strings, so the dominant holders show without DevTools.
 */
export async function summariseHeapSnapshot(path: string, top = 25): Promise<string[]> {
  const snapshot = JSON.parse(await readFile(path, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const groups = new Map<string, { count: number; bytes: number }>();
  const strings: Array<{ bytes: number; text: string }> = [];
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt] ?? 0] ?? '?';
    const name = snapshot.strings[snapshot.nodes[i + nameAt] ?? 0] ?? '';
    const bytes = snapshot.nodes[i + sizeAt] ?? 0;
    total += bytes;
    const key =
      type === 'string' || type === 'concatenated string' || type === 'sliced string'
        ? '(string)'
        : type === 'object' || type === 'closure'
          ? `${type} ${name.slice(0, 60)}`
          : `(${type})`;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += bytes;
    groups.set(key, group);
    if (type === 'string' && bytes > 64 * 1024) strings.push({ bytes, text: name.slice(0, 100) });
  }
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(2)} MiB`;
  const lines = [`${path}: ${mib(total)} in ${snapshot.nodes.length / width} nodes`];
  for (const [key, group] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top))
    lines.push(`  ${mib(group.bytes).padStart(10)}  ${String(group.count).padStart(8)} × ${key}`);
  for (const s of strings.sort((a, b) => b.bytes - a.bytes).slice(0, 10))
    lines.push(`  string ${mib(s.bytes)}: ${JSON.stringify(s.text)}`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`)
  for (const path of process.argv.slice(2)) console.log((await summariseHeapSnapshot(path)).join('\n'));
