/** weft-image-automation-controller: the runtime's one `run` (loaded by bin/weft-image-automation-controller.js). */
import { runController } from '@weft/runtime/manager';
import { addImageAutomationController } from './controller.ts';
import { parseImageAutomationFlags } from './flags.ts';

export function run(argv: readonly string[]): Promise<unknown> {
  return runController(argv, {
    name: 'image-automation-controller',
    parseFlags: parseImageAutomationFlags,
    addController: addImageAutomationController,
  });
}
