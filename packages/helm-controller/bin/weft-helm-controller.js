#!/usr/bin/env -S node --max-semi-space-size=2 --max-old-space-size=512
// weft-helm-controller: installs and upgrades HelmReleases with the real helm binary.
//
// The V8 flags are kustomize-controller's (a 2 MiB young generation, a 512 MiB old-space cap):
// the controller itself holds little (the cache of HelmReleases and HelmCharts); most memory is
// in the helm processes it starts, one per action, bounded by --concurrent.
// Started as `node bin/…js`, pass them yourself.
//
// Plain JavaScript on purpose: with the compile cache enabled before any TypeScript is loaded,
// later starts never load Node's type stripper (~14 MiB RSS). NODE_COMPILE_CACHE names the
// directory (default: the OS temp dir).
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { run } = await import('../src/run.ts');
await run(process.argv.slice(2));
