/** weft-kustomize-controller: the runtime's one `run` (loaded by bin/weft-kustomize-controller.js). */
import { runController } from '@weft/runtime/manager';
import { addKustomizeController } from './controller.ts';
import { parseKustomizeControllerFlags } from './flags.ts';

export function run(argv: readonly string[]): Promise<unknown> {
  return runController(argv, {
    name: 'kustomize-controller',
    parseFlags: parseKustomizeControllerFlags,
    addController: addKustomizeController,
  });
}
