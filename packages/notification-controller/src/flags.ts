/** notification-controller's flags: the shared runtime flags plus its own. */

import { errorMessage } from '@weft/runtime/errors';
import { FlagError, parseFlags, type RuntimeFlags } from '@weft/runtime/manager';
import { parseDuration } from '@weft/runtime/reconcile';

export interface NotificationFlags {
  runtime: RuntimeFlags;
  receiverAddr: string;
  eventRateLimitWindowMs: number;
  deliveryConcurrency: number;
}

export function parseNotificationFlags(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): NotificationFlags {
  const { runtime, values } = parseFlags(argv, {
    name: 'notification-controller',
    env,
    extra: {
      'receiver-addr': { type: 'string', default: ':9292' },
      'event-rate-limit-window': { type: 'string', default: '5m' },
      'delivery-concurrency': { type: 'string', default: '16' },
    },
  });
  const text = (name: string, fallback: string): string => {
    const value = values[name];
    return typeof value === 'string' ? value : fallback;
  };
  let eventRateLimitWindowMs: number;
  try {
    eventRateLimitWindowMs = parseDuration(text('event-rate-limit-window', '5m'));
  } catch (error) {
    throw new FlagError('event-rate-limit-window', errorMessage(error));
  }
  const deliveryConcurrency = Number(text('delivery-concurrency', '16'));
  if (!Number.isInteger(deliveryConcurrency) || deliveryConcurrency < 1) {
    throw new FlagError('delivery-concurrency', 'must be a positive integer');
  }
  return {
    runtime,
    receiverAddr: text('receiver-addr', ':9292'),
    eventRateLimitWindowMs,
    deliveryConcurrency,
  };
}
