/** weft-notification-controller: the runtime's one `run` (loaded by bin/weft-notification-controller.js). */
import { runController } from '@weft/runtime/manager';
import { addNotificationController } from './controller.ts';
import { parseNotificationFlags } from './flags.ts';

export function run(argv: readonly string[]): Promise<unknown> {
  return runController(argv, {
    name: 'notification-controller',
    parseFlags: parseNotificationFlags,
    addController: addNotificationController,
  });
}
