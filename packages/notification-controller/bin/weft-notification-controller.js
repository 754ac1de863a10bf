#!/usr/bin/env -S node --max-semi-space-size=4
// weft-notification-controller: routes weft events to Providers and serves Receivers.
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
