/**
 * The metrics every weft controller exports, named as controller-runtime and Flux do
 * (with the `weft_` prefix): reconcile durations and outcomes, the condition gauge Flux's
 * dashboards read, and the work queue's depth, latency and retries.
 */
import type { QueueMetricsHooks } from '../queue/index.ts';
import { type Counter, exponentialBuckets, type Gauge, type Histogram, type Registry } from './registry.ts';

export type ReconcileOutcome = 'success' | 'error' | 'requeue';

const conditionStatuses = ['True', 'False', 'Unknown', 'Deleted'] as const;

export class ControllerMetrics {
  readonly reconcileDuration: Histogram<'kind'>;
  readonly reconcileTotal: Counter<'kind' | 'result'>;
  readonly reconcileCondition: Gauge<'kind' | 'name' | 'namespace' | 'type' | 'status'>;
  readonly queueDepth: Gauge<'name'>;
  readonly queueAdds: Counter<'name'>;
  readonly queueLatency: Histogram<'name'>;
  readonly queueWorkDuration: Histogram<'name'>;
  readonly queueRetries: Counter<'name'>;

  constructor(registry: Registry) {
    const seconds = exponentialBuckets(0.001, 2, 17); // 1ms … ~65s
    this.reconcileDuration = registry.histogram({
      name: 'weft_reconcile_duration_seconds',
      help: 'Time taken by one reconcile of an object, by kind.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60],
    });
    this.reconcileTotal = registry.counter({
      name: 'weft_reconcile_total',
      help: 'Reconciles by kind and result (success, error, requeue).',
      labelNames: ['kind', 'result'],
    });
    this.reconcileCondition = registry.gauge({
      name: 'weft_reconcile_condition',
      help: 'The current condition status of an object: 1 for its status, 0 for the others.',
      labelNames: ['kind', 'name', 'namespace', 'type', 'status'],
    });
    this.queueDepth = registry.gauge({
      name: 'weft_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['name'],
    });
    this.queueAdds = registry.counter({
      name: 'weft_workqueue_adds_total',
      help: 'Keys added to the work queue.',
      labelNames: ['name'],
    });
    this.queueLatency = registry.histogram({
      name: 'weft_workqueue_queue_duration_seconds',
      help: 'Time a key waits in the work queue before its processing starts.',
      labelNames: ['name'],
      buckets: seconds,
    });
    this.queueWorkDuration = registry.histogram({
      name: 'weft_workqueue_work_duration_seconds',
      help: 'Time processing a key takes.',
      labelNames: ['name'],
      buckets: seconds,
    });
    this.queueRetries = registry.counter({
      name: 'weft_workqueue_retries_total',
      help: 'Keys requeued with backoff after a failure.',
      labelNames: ['name'],
    });
  }

  recordReconcile(kind: string, result: ReconcileOutcome, seconds: number): void {
    this.reconcileDuration.observe({ kind }, seconds);
    this.reconcileTotal.inc({ kind, result });
  }

  /** Sets the condition gauge of one object; `status` Deleted marks a deleted object. */
  recordCondition(
    ref: { kind: string; name: string; namespace: string },
    type: string,
    status: (typeof conditionStatuses)[number],
  ): void {
    for (const candidate of conditionStatuses) {
      this.reconcileCondition.set({ ...ref, type, status: candidate }, candidate === status ? 1 : 0);
    }
  }

  /** Forgets every condition series of a deleted object. */
  forgetObject(ref: { kind: string; name: string; namespace: string }): void {
    this.reconcileCondition.removeMatching(ref);
  }

  /** Hooks for a WorkQueue named `name` (the controller's name). */
  queueHooks(name: string): QueueMetricsHooks {
    return {
      depth: (depth) => this.queueDepth.set({ name }, depth),
      add: () => this.queueAdds.inc({ name }),
      latency: (s) => this.queueLatency.observe({ name }, s),
      workDuration: (s) => this.queueWorkDuration.observe({ name }, s),
      retry: () => this.queueRetries.inc({ name }),
    };
  }
}
