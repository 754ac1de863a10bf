#!/usr/bin/env -S node --max-semi-space-size=2 --max-old-space-size=512
// weft-kustomize-controller: builds Kustomizations from source artifacts and applies them.
//
// The V8 flags keep the heap close to what is live (bench/mttp.bench.ts, 2 cores):
// - a 2 MiB young generation: V8's default grows to 16 MiB per semi-space under the allocation
//   churn of builds and applies (peak RSS ~155 instead of ~110 MiB at 500 and 1,000
//   Kustomizations, and no slower);
// - a 512 MiB old-space cap, ~20 times the live heap at 1,000 Kustomizations: below 1 GiB V8 lets
//   the heap grow by 1.6x after each full collection instead of 4x, which removes the run-to-run
//   spread of the peak (107-123 MiB at 500 → 107 MiB) and is faster. Larger installations
//   start Node with their own value: `node --max-old-space-size=2048 bin/…js` (flags on this line
//   win over NODE_OPTIONS).
// Started as `node bin/…js`, pass them yourself.
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
