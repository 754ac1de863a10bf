#!/usr/bin/env -S node --max-semi-space-size=2
// weft-source-controller: reconciles GitRepositories into artifacts and serves them.
//
// A 2 MiB young generation: bench/git.bench.ts (5,000 files, 28 MiB pack, 2 cores) peaked at
// 256 instead of 299 MiB and was no slower (first artifact 2.2 vs 2.5 s). No old-space cap here:
// an artifact is built from the fetched blobs in memory, so big repositories need the heap.
// Started as `node bin/…js`, pass the flag yourself.
//
// Plain JavaScript on purpose: Node strips the types of a .ts entry with a WebAssembly compiler
// that stays loaded (~14 MiB RSS). Here the compile cache is enabled before any TypeScript is
// loaded, so from the second start on every module (types already stripped, bytecode compiled)
// comes from the cache and the stripper is never loaded. NODE_COMPILE_CACHE names the directory
// (default: the OS temp dir); a read-only or missing one only disables the cache.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { run } = await import('../src/run.ts');
await run(process.argv.slice(2));
