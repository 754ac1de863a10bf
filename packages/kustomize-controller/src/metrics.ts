/**
 * kustomize-controller's own metrics, read at each scrape: how often the shared artifact
 * extractions and the YAML parse cache spare a download or a parse.
 */
import { parseCacheStats } from '@weft/kustomize';
import type { Registry } from '@weft/runtime/metrics';
import type { KustomizationReconciler } from './reconciler.ts';

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
