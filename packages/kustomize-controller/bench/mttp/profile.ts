/**
 * `--profile`: where a run's time goes, from Prometheus text. The apiserver's request counts by
 * verb and resource during the run (`apiserver_request_total`, dry runs apart) and, from the
 * controller's own /metrics, the total seconds of each reconcile step and of the work queue
 * (weft only: `weft_kustomize_reconcile_step_duration_seconds`, `weft_workqueue_*`).
 */
import { metricLabel as label, metricSamples as samples } from '@weft/e2e';
import type { Client } from '@weft/runtime/client';

export { requestCounts } from '@weft/e2e';

/** The apiserver's /metrics text (the admin client may read it). */
export async function apiserverMetrics(client: Client): Promise<string> {
  const res = await client.transport.request({
    method: 'GET',
    path: '/metrics',
    context: 'apiserver metrics',
  });
  return String(res.body);
}

/** Seconds and count of a histogram by one label: `value` → {seconds, count}. */
export function histogramTotals(
  text: string,
  metric: string,
  by: string,
): Map<string, { seconds: number; count: number }> {
  const totals = new Map<string, { seconds: number; count: number }>();
  const sums = samples(text, `${metric}_sum`);
  const counts = samples(text, `${metric}_count`);
  for (const [labels, seconds] of sums) {
    totals.set(label(labels, by), { seconds, count: counts.get(labels) ?? 0 });
  }
  return totals;
}

/** The profile's lines, for the run's log. */
export function profileLines(requests: [string, number][], controllerMetrics: string | undefined): string[] {
  const total = requests.reduce((sum, [, n]) => sum + n, 0);
  const lines = [`apiserver requests during the run: ${total}`];
  for (const [key, n] of requests) lines.push(`  ${String(n).padStart(7)}  ${key}`);
  if (controllerMetrics === undefined) return lines;
  const rows: [string, Map<string, { seconds: number; count: number }>][] = [
    ['step', histogramTotals(controllerMetrics, 'weft_kustomize_reconcile_step_duration_seconds', 'step')],
    ['queue wait', histogramTotals(controllerMetrics, 'weft_workqueue_queue_duration_seconds', 'name')],
    ['queue work', histogramTotals(controllerMetrics, 'weft_workqueue_work_duration_seconds', 'name')],
  ];
  for (const [what, totals] of rows) {
    for (const [name, { seconds, count }] of totals) {
      lines.push(
        `  ${what} ${name}: ${seconds.toFixed(1)} s in ${count} (${((seconds / count) * 1000).toFixed(0)} ms each)`,
      );
    }
  }
  return lines;
}
