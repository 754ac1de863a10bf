export { ControllerMetrics, type ReconcileOutcome } from './controller.ts';
export { currentProcessSource, type ProcessMetricsSource, registerProcessMetrics } from './process.ts';
export {
  type Collector,
  Counter,
  type CounterOptions,
  defaultBuckets,
  exponentialBuckets,
  formatValue,
  Gauge,
  type GaugeOptions,
  Histogram,
  type HistogramOptions,
  type Labels,
  type MetricOptions,
  Registry,
} from './registry.ts';
