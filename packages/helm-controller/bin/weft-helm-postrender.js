#!/usr/bin/env node
// The post-renderer helm runs for a HelmRelease's spec.postRenderers (see src/postrender/).
// Plain JavaScript for the compile cache, as the controller's own entry.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('../src/postrender/main.ts');
try {
  await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`weft-helm-postrender: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
