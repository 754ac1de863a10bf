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
