/** weft-helm-controller: the runtime's one `run` (loaded by bin/weft-helm-controller.js). */
import { runController } from '@weft/runtime/manager';
import { addHelmController } from './controller.ts';
import { parseHelmControllerFlags } from './flags.ts';

export function run(argv: readonly string[]): Promise<unknown> {
  return runController(argv, {
    name: 'helm-controller',
    parseFlags: parseHelmControllerFlags,
    addController: addHelmController,
  });
}
