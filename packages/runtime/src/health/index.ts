export {
  type CustomHealth,
  compileHealthExpressions,
  type HealthCheckExpression,
  HealthExpressionError,
} from './expressions.ts';
export {
  computeStatus,
  type HealthResult,
  HealthStatus,
} from './status.ts';
export {
  checkHealth,
  HealthCheckError,
  type ObjectHealth,
  type WaitOptions,
  waitForHealthy,
} from './wait.ts';
