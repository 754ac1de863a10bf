/**
 * JSON logs with pino. Every controller logs through `createLogger`, and each reconcile through
 * a child carrying `{controller, kind, namespace, name, reconcileID}`, so one object's history
 * is one filter away.
 *
 * Secrets never reach the output: known paths are redacted by pino, and a formatter scrubs, at
 * any depth, the data of Secret objects, keys that name credentials, and passwords in URLs.
 */
import { randomUUID } from 'node:crypto';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export const redactedValue = '[REDACTED]';

/** Paths pino redacts directly (fast, but fixed depth). */
export const redactPaths: readonly string[] = [
  'password',
  'token',
  'authorization',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Keys whose values are credentials wherever they appear (compared lower-case, `-`/`_` removed). */
const sensitiveKeys = new Set([
  'password',
  'passwd',
  'token',
  'accesstoken',
  'refreshtoken',
  'bearertoken',
  'idtoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'xapikey',
  'secret',
  'clientsecret',
  'secretkey',
  'secretaccesskey',
  'privatekey',
  'identity',
  'sshkey',
  'keydata',
  'certdata',
]);

const urlCredentials = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;

function isSensitiveKey(key: string): boolean {
  return sensitiveKeys.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** Returns a copy of `value` with credentials replaced; leaves the input alone. */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 12) return value;
  if (typeof value === 'string') return value.replace(urlCredentials, `$1$2:${redactedValue}@`);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return value;
  const record = value as Record<string, unknown>;
  const isSecret = record.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (isSensitiveKey(key) || (isSecret && (key === 'data' || key === 'stringData'))) {
      out[key] = redactedValue;
    } else {
      out[key] = scrub(item, depth + 1);
    }
  }
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
  /** Fields on every line, e.g. `{controller: 'source-controller'}`. */
  base?: Record<string, string>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!logLevels.includes(level))
    throw new Error(`unknown log level "${level}": use one of ${logLevels.join(', ')}`);
  return pino(
    {
      level,
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      redact: { paths: [...redactPaths], censor: redactedValue },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrub(bindings) as Record<string, unknown>,
        log: (object) => scrub(object) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export interface ReconcileLogFields {
  controller: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  /** One id per reconcile; generated when not given. */
  reconcileID?: string;
}

/** A child logger for one reconcile of one object. */
export function reconcileLogger(parent: Logger, fields: ReconcileLogFields): Logger {
  return parent.child({
    controller: fields.controller,
    kind: fields.kind,
    ...(fields.namespace ? { namespace: fields.namespace } : {}),
    name: fields.name,
    reconcileID: fields.reconcileID ?? randomUUID(),
  });
}
