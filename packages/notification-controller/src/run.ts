/** weft-notification-controller: flags → the Provider/Alert/Receiver controllers (loaded by bin/weft-notification-controller.js). */
import { FlagError } from '@weft/runtime/manager';
import { NotificationController } from './controller.ts';
import { parseNotificationFlags } from './flags.ts';

export async function run(argv: readonly string[]): Promise<void> {
  let flags: ReturnType<typeof parseNotificationFlags>;
  try {
    flags = parseNotificationFlags(argv);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`weft-notification-controller: ${error.message}\n`);
    process.exit(2);
  }
  const controller = new NotificationController({
    flags: flags.runtime,
    receiverAddr: flags.receiverAddr,
    eventRateLimitWindowMs: flags.eventRateLimitWindowMs,
    deliveryConcurrency: flags.deliveryConcurrency,
    exit: (code) => process.exit(code),
  });
  controller.handleSignals((code) => process.exit(code));
  await controller.start();
}
