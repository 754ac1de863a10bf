/**
 * `--profile`: where a run's time goes, from Prometheus text. The apiserver's request counts by
 * verb and resource during the run (`apiserver_request_total`, dry runs apart) and, from the
 * controller's own /metrics, the total seconds of each reconcile step and of the work queue
 * (weft only: `weft_kustomize_reconcile_step_duration_seconds`, `weft_workqueue_*`).
 */
import type { Client } from '@weft/runtime/client';

/** Sample lines of one metric: labels (as written) → value. */
function samples(text: string, metric: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    found.set(line.slice(metric.length + 1, close), Number(line.slice(close + 2)));
  }
  return found;
}

function label(labels: string, name: string): string {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
}

/** The apiserver's /metrics text (the admin client may read it). */
export async function apiserverMetrics(client: Client): Promise<string> {
  const res = await client.transport.request({
    method: 'GET',
    path: '/metrics',
    context: 'apiserver metrics',
  });
  return String(res.body);
}

/** Requests between two scrapes, `VERB resource[/subresource][ (dry run)]` → count, largest first. */
export function requestCounts(before: string, after: string): [string, number][] {
  const start = samples(before, 'apiserver_request_total');
  const counts = new Map<string, number>();
  for (const [labels, value] of samples(after, 'apiserver_request_total')) {
    const delta = value - (start.get(labels) ?? 0);
    if (delta <= 0) continue;
    const subresource = label(labels, 'subresource');
    const dryRun = label(labels, 'dry_run') ? ' (dry run)' : '';
    const key = `${label(labels, 'verb')} ${label(labels, 'resource')}${subresource ? `/${subresource}` : ''}${dryRun}`;
    counts.set(key, (counts.get(key) ?? 0) + delta);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
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
