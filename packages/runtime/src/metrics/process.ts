/**
 * Process metrics with the names Prometheus' client libraries use, so standard dashboards work:
 * resident memory, CPU seconds, start time, open file descriptors where readable, and the
 * Node.js event loop lag.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry } from './registry.ts';

export interface ProcessMetricsSource {
  rssBytes(): number;
  cpuSeconds(): number;
  startTimeSeconds: number;
  /** Event loop delay in seconds (mean since the last read), or undefined when not measured. */
  eventLoopLagSeconds(): number | undefined;
  heapUsedBytes(): number;
}

/** Reads the running process. The event loop monitor samples every 20 ms. */
export function currentProcessSource(): ProcessMetricsSource {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  const startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());
  return {
    rssBytes: () => process.memoryUsage.rss(),
    cpuSeconds: () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    },
    startTimeSeconds,
    eventLoopLagSeconds: () => {
      if (histogram.count === 0) return undefined;
      const mean = histogram.mean / 1e9;
      histogram.reset();
      return mean;
    },
    heapUsedBytes: () => process.memoryUsage().heapUsed,
  };
}

/** Registers the process metrics; their values are read at each scrape. */
export function registerProcessMetrics(registry: Registry, source = currentProcessSource()): void {
  registry.gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    collect: (g) => g.set(undefined, source.rssBytes()),
  });
  // A counter in Prometheus' sense, but its value is read, not incremented.
  registry.register({
    name: 'process_cpu_seconds_total',
    render: () =>
      [
        '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
        '# TYPE process_cpu_seconds_total counter',
        `process_cpu_seconds_total ${source.cpuSeconds()}`,
      ].join('\n'),
  });
  registry.gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    collect: (g) => g.set(undefined, source.startTimeSeconds),
  });
  registry.gauge({
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use, in bytes.',
    collect: (g) => g.set(undefined, source.heapUsedBytes()),
  });
  let lastLag = 0;
  registry.gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Mean event loop delay since the previous scrape, in seconds.',
    collect: (g) => {
      lastLag = source.eventLoopLagSeconds() ?? lastLag;
      g.set(undefined, lastLag);
    },
  });
}
