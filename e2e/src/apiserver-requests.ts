/**
 * Where a benchmark's API traffic goes: the API server's request counter
 * (`apiserver_request_total` of its /metrics) between two scrapes, by verb and resource, dry runs
 * apart. The admin client of a test cluster may read /metrics.
 */

/** Sample lines of one metric: labels (as written) → value. */
export function metricSamples(text: string, metric: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    found.set(line.slice(metric.length + 1, close), Number(line.slice(close + 2)));
  }
  return found;
}

/** One label's value in a sample's label text (`verb="GET",resource="pods"`). */
export function metricLabel(labels: string, name: string): string {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
}

/** Requests between two scrapes, `VERB resource[/subresource][ (dry run)]` → count, largest first. */
export function requestCounts(before: string, after: string): [string, number][] {
  const start = metricSamples(before, 'apiserver_request_total');
  const counts = new Map<string, number>();
  for (const [labels, value] of metricSamples(after, 'apiserver_request_total')) {
    const delta = value - (start.get(labels) ?? 0);
    if (delta <= 0) continue;
    const subresource = metricLabel(labels, 'subresource');
    const dryRun = metricLabel(labels, 'dry_run') ? ' (dry run)' : '';
    const key = `${metricLabel(labels, 'verb')} ${metricLabel(labels, 'resource')}${subresource ? `/${subresource}` : ''}${dryRun}`;
    counts.set(key, (counts.get(key) ?? 0) + delta);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}
