import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, type ProcessSpec } from './cluster/process.ts';
import { repoRoot } from './toolchain.ts';

/**
 * How to start a package's executable entry with this Node: the V8 flags its shebang carries
 * (`#!/usr/bin/env -S node --max-semi-space-size=2`), then the file. Demos and benchmarks start
 * controllers this way so they run with the settings the executable ships with, while still using
 * the Node that runs them (the machine's `node` on PATH may be older).
 */
export function nodeEntry(entry: string): { command: string; args: string[] } {
  const first = readFileSync(entry, 'utf8').split('\n', 1)[0] ?? '';
  const words = first.startsWith('#!') ? first.slice(2).trim().split(/\s+/) : [];
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  const flags = node === -1 ? [] : words.slice(node + 1);
  return { command: process.execPath, args: [...flags, entry] };
}

/**
 * One of this repository's controllers (`packages/<name>/bin/weft-<name>.js`) as a process of
 * this Node, started by `start()`: `args` after the entry, the rest of `spec` as ManagedProcess.
 */
export function weftProcess(
  name: string,
  args: readonly string[],
  spec: Omit<ProcessSpec, 'name' | 'command' | 'args'> = {},
): ManagedProcess {
  const entry = nodeEntry(join(repoRoot, 'packages', name, 'bin', `weft-${name}.js`));
  return new ManagedProcess({ ...spec, name, command: entry.command, args: [...entry.args, ...args] });
}
