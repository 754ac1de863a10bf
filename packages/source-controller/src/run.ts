/** weft-source-controller: the runtime's one `run` (loaded by bin/weft-source-controller.js). */
import { runController } from '@weft/runtime/manager';
import { addSourceController } from './controller.ts';
import { parseSourceControllerFlags } from './flags.ts';

export function run(argv: readonly string[]): Promise<unknown> {
  return runController(argv, {
    name: 'source-controller',
    parseFlags: parseSourceControllerFlags,
    addController: addSourceController,
  });
}
