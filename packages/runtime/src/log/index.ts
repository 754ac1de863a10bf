export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  logLevels,
  type ReconcileLogFields,
  reconcileLogger,
  redactedValue,
  redactPaths,
  scrub,
} from './logger.ts';
