/**
 * A Grafana dashboard over weft's metrics: the runtime's (reconciles, conditions, work queue,
 * process) and the controllers' own (notification deliveries, receiver requests, kustomize caches).
 */

interface Panel {
  title: string;
  type: 'timeseries' | 'stat' | 'table';
  unit?: string;
  targets: Array<{ expr: string; legendFormat?: string; instant?: boolean }>;
}

const panels: Panel[] = [
  {
    title: 'Objects not Ready',
    type: 'stat',
    targets: [{ expr: 'sum(weft_reconcile_condition{type="Ready", status="False"})' }],
  },
  {
    title: 'Objects Stalled',
    type: 'stat',
    targets: [{ expr: 'sum(weft_reconcile_condition{type="Stalled", status="True"})' }],
  },
  {
    title: 'Failing objects',
    type: 'table',
    targets: [
      {
        expr: 'max by (kind, namespace, name) (weft_reconcile_condition{type="Ready", status="False"}) == 1',
        instant: true,
      },
    ],
  },
  {
    title: 'Reconciles per second',
    type: 'timeseries',
    unit: 'reqps',
    targets: [
      { expr: 'sum by (kind, result) (rate(weft_reconcile_total[5m]))', legendFormat: '{{kind}} {{result}}' },
    ],
  },
  {
    title: 'Reconcile duration (p50, p99)',
    type: 'timeseries',
    unit: 's',
    targets: [
      {
        expr: 'histogram_quantile(0.5, sum by (kind, le) (rate(weft_reconcile_duration_seconds_bucket[5m])))',
        legendFormat: '{{kind}} p50',
      },
      {
        expr: 'histogram_quantile(0.99, sum by (kind, le) (rate(weft_reconcile_duration_seconds_bucket[5m])))',
        legendFormat: '{{kind}} p99',
      },
    ],
  },
  {
    title: 'Work queue depth',
    type: 'timeseries',
    targets: [{ expr: 'sum by (pod, name) (weft_workqueue_depth)', legendFormat: '{{pod}} {{name}}' }],
  },
  {
    title: 'Work queue wait (p99) and retries',
    type: 'timeseries',
    unit: 's',
    targets: [
      {
        expr: 'histogram_quantile(0.99, sum by (name, le) (rate(weft_workqueue_queue_duration_seconds_bucket[5m])))',
        legendFormat: '{{name}} wait p99',
      },
      { expr: 'sum by (name) (rate(weft_workqueue_retries_total[5m]))', legendFormat: '{{name}} retries/s' },
    ],
  },
  {
    title: 'Notifications delivered',
    type: 'timeseries',
    unit: 'reqps',
    targets: [
      {
        expr: 'sum by (provider, result) (rate(weft_notification_deliveries_total[5m]))',
        legendFormat: '{{provider}} {{result}}',
      },
    ],
  },
  {
    title: 'Webhook receiver requests',
    type: 'timeseries',
    unit: 'reqps',
    targets: [
      {
        expr: 'sum by (type, result) (rate(weft_receiver_requests_total[5m]))',
        legendFormat: '{{type}} {{result}}',
      },
    ],
  },
  {
    title: 'kustomize-controller caches',
    type: 'timeseries',
    unit: 'reqps',
    targets: [
      {
        expr: 'sum by (result) (rate(weft_kustomize_artifact_cache_requests_total[5m]))',
        legendFormat: 'artifact {{result}}',
      },
      {
        expr: 'sum by (result) (rate(weft_kustomize_parse_cache_requests_total[5m]))',
        legendFormat: 'parse {{result}}',
      },
    ],
  },
  {
    title: 'Memory (RSS, heap used)',
    type: 'timeseries',
    unit: 'bytes',
    targets: [
      { expr: 'process_resident_memory_bytes{namespace="$namespace"}', legendFormat: '{{pod}} RSS' },
      { expr: 'nodejs_heap_used_bytes{namespace="$namespace"}', legendFormat: '{{pod}} heap' },
    ],
  },
  {
    title: 'Event loop lag and CPU',
    type: 'timeseries',
    unit: 's',
    targets: [
      { expr: 'nodejs_eventloop_lag_seconds{namespace="$namespace"}', legendFormat: '{{pod}} lag' },
      { expr: 'rate(process_cpu_seconds_total{namespace="$namespace"}[5m])', legendFormat: '{{pod}} CPU' },
    ],
  },
];

/** The dashboard JSON Grafana imports (schemaVersion 39), over a `datasource` variable. */
export function grafanaDashboard(): Record<string, unknown> {
  // Grafana's variable syntax, not a JavaScript placeholder.
  const datasource = { type: 'prometheus', uid: ['$', '{datasource}'].join('') };
  return {
    title: 'weft',
    uid: 'weft-overview',
    tags: ['weft', 'gitops'],
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus' },
        {
          name: 'namespace',
          type: 'query',
          datasource,
          query: 'label_values(weft_reconcile_total, namespace)',
          refresh: 2,
        },
      ],
    },
    panels: panels.map((panel, index) => ({
      id: index + 1,
      title: panel.title,
      type: panel.type,
      datasource,
      gridPos: { h: panel.type === 'stat' ? 4 : 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: panel.unit ? { unit: panel.unit } : {}, overrides: [] },
      targets: panel.targets.map((target, i) => ({
        refId: String.fromCharCode(65 + i),
        datasource,
        expr: target.expr,
        ...(target.legendFormat ? { legendFormat: target.legendFormat } : {}),
        ...(target.instant ? { instant: true, format: 'table' } : {}),
      })),
    })),
  };
}

/** Every PromQL expression of the dashboard (the tests check each names a metric weft exports). */
export function dashboardExpressions(): string[] {
  return panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}
