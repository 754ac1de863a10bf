/** notification-controller's flags: the shared runtime flags plus its own. */
import {
  parseDurationFlag,
  parseFlags,
  parsePositiveIntegerFlag,
  type RuntimeFlags,
} from '@weft/runtime/manager';

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
  const eventRateLimitWindowMs = parseDurationFlag(
    'event-rate-limit-window',
    text('event-rate-limit-window', '5m'),
  );
  const deliveryConcurrency = parsePositiveIntegerFlag(
    'delivery-concurrency',
    text('delivery-concurrency', '16'),
  );
  return {
    runtime,
    receiverAddr: text('receiver-addr', ':9292'),
    eventRateLimitWindowMs,
    deliveryConcurrency,
  };
}
