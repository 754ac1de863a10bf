#!/usr/bin/env node
// weft-kustomize build DIR [--root DIR] [--reorder legacy|none]: like `kustomize build DIR`.
//
// Node strips the types of every module on each start, which costs a short-lived command about
// 30 MiB and much of its start-up. The compile cache keeps the stripped code between runs; it
// only covers modules loaded after it is enabled, hence the dynamic import.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('../src/command/main.ts');
process.exitCode = await main(process.argv.slice(2));
