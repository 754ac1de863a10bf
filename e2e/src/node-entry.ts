import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
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

/**
 * Fills the compile cache (`env.NODE_COMPILE_CACHE`, else Node's default directory) for a
 * controller's executable entry, as its image build does (docs/images.md): every module of its
 * `src/run.ts` loaded once. Benchmarks call it before starting the controller, since a cold start
 * strips the TypeScript and keeps Node's type stripper resident (~25 MiB of RSS) that no
 * controller from its image carries. `nodeFlags` are the Node flags the controller will run with
 * (by default its shebang's): V8 refuses a code cache made under other flags.
 */
export async function warmCompileCache(
  entry: string,
  env: NodeJS.ProcessEnv = process.env,
  nodeFlags: readonly string[] = nodeEntry(entry).args.slice(0, -1),
): Promise<void> {
  const runModule = pathToFileURL(join(dirname(entry), '../src/run.ts')).href;
  const script = `import { enableCompileCache } from 'node:module'; enableCompileCache(); await import(${JSON.stringify(runModule)});`;
  await promisify(execFile)(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], { env });
}
