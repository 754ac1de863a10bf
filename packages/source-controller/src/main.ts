#!/usr/bin/env node
// weft-source-controller: reconciles GitRepositories into artifacts and serves them. Runs in a
// cluster (service account) or outside it (--kubeconfig or KUBECONFIG).
//
// Node strips the types of every module on each start and compiles client-node's JavaScript; the
// compile cache keeps both between starts. It only covers modules loaded after it is enabled,
// hence the dynamic import. The directory is Node's default (the OS temp dir) unless
// NODE_COMPILE_CACHE names one; a read-only or missing one only disables the cache.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { run } = await import('./run.ts');
await run(process.argv.slice(2));
