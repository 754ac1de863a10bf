/** weft-source-controller: flags → artifact server and manager (loaded by bin/weft-source-controller.js). */
import { FlagError } from '@weft/runtime/manager';
import { parseSourceControllerFlags, startSourceController } from './controller.ts';

export async function run(argv: readonly string[]): Promise<void> {
  try {
    const config = parseSourceControllerFlags(argv);
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
}
