#!/usr/bin/env node
// weft-image-automation-controller: scans image repositories, picks images by policy and commits
// the updates to Git.
//
// Plain JavaScript on purpose: the compile cache is enabled before any TypeScript is loaded (see
// bin/weft-notification-controller.js for why).
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { run } = await import('../src/run.ts');
await run(process.argv.slice(2));
