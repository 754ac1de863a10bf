/**
 * kustomize-controller's own metrics: how often the shared artifact extractions and the YAML
 * parse cache spare a download or a parse (read at each scrape), and how long each step of a
 * reconcile takes (where the time of a reconcile goes).
 */
import { parseCacheStats } from '@weft/kustomize';
import type { Registry } from '@weft/runtime/metrics';
import type { KustomizationReconciler, ReconcileStep } from './reconciler.ts';

export function registerCacheMetrics(registry: Registry, reconciler: KustomizationReconciler): void {
  registry.counter<'result'>({
    name: 'weft_kustomize_artifact_cache_requests_total',
    help: 'Artifact fetches by result: hit (an extraction of the digest was reused) or miss (downloaded and extracted).',
    labelNames: ['result'],
    collect: (counter) => {
      counter.setTotal({ result: 'hit' }, reconciler.artifacts.hits);
      counter.setTotal({ result: 'miss' }, reconciler.artifacts.misses);
    },
  });
  registry.gauge({
    name: 'weft_kustomize_artifact_cache_extractions',
    help: 'Artifact extractions on disk, in use or kept for reuse.',
    collect: (gauge) => gauge.set(undefined, reconciler.artifacts.size),
  });
  registry.counter<'result'>({
    name: 'weft_kustomize_parse_cache_requests_total',
    help: 'YAML texts read by builds, by result: hit (a copy from the parse cache) or miss (parsed).',
    labelNames: ['result'],
    collect: (counter) => {
      const stats = parseCacheStats();
      counter.setTotal({ result: 'hit' }, stats.hits);
      counter.setTotal({ result: 'miss' }, stats.misses);
    },
  });
  registry.gauge({
    name: 'weft_kustomize_parse_cache_bytes',
    help: 'Bytes held by the YAML parse cache (texts and parsed results).',
    collect: (gauge) => gauge.set(undefined, parseCacheStats().bytes),
  });
}

/** A histogram of the reconcile steps' durations, by step; returns what the reconciler calls. */
export function stepMetric(registry: Registry): (step: ReconcileStep, seconds: number) => void {
  const histogram = registry.histogram<'step'>({
    name: 'weft_kustomize_reconcile_step_duration_seconds',
    help: 'Time taken by one step of a Kustomization reconcile (source, fetch, build, apply, prune, health).',
    labelNames: ['step'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  return (step, seconds) => histogram.observe({ step }, seconds);
}
