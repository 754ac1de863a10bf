#!/usr/bin/env node
// weft: install, check, uninstall and inspect weft in a cluster.
//
// Plain JavaScript on purpose, as the controllers' entries: the compile cache is enabled before
// any TypeScript is loaded, so from the second start on every module comes from the cache and
// Node's type stripper is never loaded. Each command's code is imported only when it runs, so
// `weft --help` loads commander and the program's definition alone.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
