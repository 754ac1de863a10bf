#!/usr/bin/env node
// weft-artifact: push, tag, list and pull OCI artifacts (to be called by the `weft` CLI as
// `weft push artifact …`). Plain JavaScript so the compile cache is on before TypeScript loads.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
