#!/usr/bin/env node
// weft-kustomize-controller: flags → manager → the Kustomization controller.
//
// Node strips the types of every module on each start and compiles the dependencies' JavaScript;
// the compile cache keeps both between starts (about 20 MiB less RSS and a faster start). It only
// covers modules loaded after it is enabled, hence the dynamic import. The directory is Node's
// default (the OS temp dir) unless NODE_COMPILE_CACHE names one; a read-only or missing one only
// disables the cache. V8 heap flags cannot be set from here: see docs/kustomize-controller.md.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { run } = await import('./run.ts');
await run(process.argv.slice(2));
