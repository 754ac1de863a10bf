#!/usr/bin/env node
/**
 * weft source-controller: reconciles GitRepositories into artifacts and serves them.
 * Runs in a cluster (service account) or outside it (--kubeconfig or KUBECONFIG).
 */
import { FlagError } from '@weft/runtime';
import { parseSourceControllerFlags, startSourceController } from './controller.ts';

try {
  const config = parseSourceControllerFlags(process.argv.slice(2));
  const controller = await startSourceController(config, {
    managerOptions: { exit: (code) => process.exit(code) },
  });
  controller.manager.handleSignals();
  process.once('beforeExit', () => void controller.artifactServer.close());
} catch (error) {
  if (error instanceof FlagError) {
    process.stderr.write(`weft-source-controller: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
