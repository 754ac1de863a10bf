import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControllerMetrics, Registry, registerProcessMetrics } from '@weft/runtime/metrics';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

/** A strict parser of the text exposition format, enough to check what we render. */
function parse(text: string): Parsed {
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  const parsed: Parsed = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (help) {
      parsed.help.set(help[1] ?? '', (help[2] ?? '').replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      parsed.type.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `unparseable line: ${line}`);
    const labels: Record<string, string> = {};
    const labelText = sample[3] ?? '';
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (const match of labelText.matchAll(labelPattern)) {
      labels[match[1] ?? ''] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed += match[0].length;
    }
    assert.equal(consumed, labelText.length, `bad labels in: ${line}`);
    const raw = sample[4] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    parsed.samples.push({ name: sample[1] ?? '', labels, value });
  }
  return parsed;
}

function find(parsed: Parsed, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsed.samples.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

describe('metrics registry', () => {
  it('renders counters and gauges with HELP, TYPE and escaped labels', () => {
    const registry = new Registry();
    const counter = registry.counter({
      name: 'test_total',
      help: 'A help with \\ and\nnewline.',
      labelNames: ['path'],
    });
    const gauge = registry.gauge({ name: 'test_gauge', help: 'A gauge.' });
    const odd = 'a "quoted" \\ value\nwith newline';
    counter.inc({ path: odd });
    counter.inc({ path: odd }, 2);
    counter.inc({ path: 'plain' });
    gauge.set(undefined, -1.5);
    const parsed = parse(registry.render());
    assert.equal(parsed.help.get('test_total'), 'A help with \\ and\nnewline.');
    assert.equal(parsed.type.get('test_total'), 'counter');
    assert.equal(parsed.type.get('test_gauge'), 'gauge');
    assert.equal(find(parsed, 'test_total', { path: odd }), 3);
    assert.equal(find(parsed, 'test_total', { path: 'plain' }), 1);
    assert.equal(find(parsed, 'test_gauge'), -1.5);
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const registry = new Registry();
    const histogram = registry.histogram({
      name: 'test_seconds',
      help: 'h',
      labelNames: ['kind'],
      buckets: [0.1, 1, 10],
    });
    for (const value of [0.05, 0.1, 0.5, 5, 50]) histogram.observe({ kind: 'GitRepository' }, value);
    const parsed = parse(registry.render());
    assert.equal(parsed.type.get('test_seconds'), 'histogram');
    const bucket = (le: string) => find(parsed, 'test_seconds_bucket', { kind: 'GitRepository', le });
    assert.equal(bucket('0.1'), 2, 'le is inclusive');
    assert.equal(bucket('1'), 3);
    assert.equal(bucket('10'), 4);
    assert.equal(bucket('+Inf'), 5);
    assert.equal(find(parsed, 'test_seconds_count', { kind: 'GitRepository' }), 5);
    assert.equal(find(parsed, 'test_seconds_sum', { kind: 'GitRepository' }), 55.65);
  });

  it('refuses bad names, missing labels, duplicate metrics and decreasing counters', () => {
    const registry = new Registry();
    assert.throws(() => registry.counter({ name: 'bad-name', help: '' }));
    assert.throws(() => registry.counter({ name: 'ok', help: '', labelNames: ['le'] }));
    const counter = registry.counter({ name: 'dup_total', help: '', labelNames: ['a'] });
    assert.throws(() => registry.gauge({ name: 'dup_total', help: '' }));
    assert.throws(() => counter.inc({} as { a: string }));
    assert.throws(() => counter.inc({ a: 'x' }, -1));
  });

  it('mirrors totals kept elsewhere into counters at scrape time, never downwards', () => {
    const registry = new Registry();
    const totals = { hit: 0, miss: 0 };
    registry.counter<'result'>({
      name: 'cache_requests_total',
      help: 'Cache lookups.',
      labelNames: ['result'],
      collect: (counter) => {
        for (const [result, total] of Object.entries(totals)) counter.setTotal({ result }, total);
      },
    });
    totals.hit = 3;
    totals.miss = 1;
    assert.match(registry.render(), /^cache_requests_total\{result="hit"\} 3$/m);
    totals.hit = 5;
    const text = registry.render();
    assert.match(text, /^cache_requests_total\{result="hit"\} 5$/m);
    assert.match(text, /^cache_requests_total\{result="miss"\} 1$/m);
    assert.match(text, /^# TYPE cache_requests_total counter$/m);
    totals.hit = 2;
    assert.throws(() => registry.render(), /can only increase/);
  });

  it('exports the controller metrics, and the condition gauge marks one status per condition', () => {
    const registry = new Registry();
    const metrics = new ControllerMetrics(registry);
    metrics.recordReconcile('Kustomization', 'success', 0.2);
    metrics.recordReconcile('Kustomization', 'error', 3);
    const ref = { kind: 'Kustomization', name: 'apps', namespace: 'flux-system' };
    metrics.recordCondition(ref, 'Ready', 'False');
    metrics.recordCondition(ref, 'Ready', 'True');
    const hooks = metrics.queueHooks('kustomization');
    hooks.add?.();
    hooks.depth?.(7);
    hooks.retry?.();
    let parsed = parse(registry.render());
    assert.equal(find(parsed, 'weft_reconcile_duration_seconds_count', { kind: 'Kustomization' }), 2);
    assert.equal(find(parsed, 'weft_reconcile_total', { kind: 'Kustomization', result: 'error' }), 1);
    assert.equal(find(parsed, 'weft_reconcile_condition', { ...ref, type: 'Ready', status: 'True' }), 1);
    assert.equal(find(parsed, 'weft_reconcile_condition', { ...ref, type: 'Ready', status: 'False' }), 0);
    assert.equal(find(parsed, 'weft_workqueue_depth', { name: 'kustomization' }), 7);
    assert.equal(find(parsed, 'weft_workqueue_retries_total', { name: 'kustomization' }), 1);
    metrics.forgetObject(ref);
    parsed = parse(registry.render());
    assert.equal(
      find(parsed, 'weft_reconcile_condition', { ...ref, type: 'Ready', status: 'True' }),
      undefined,
    );
  });

  it('reads process metrics at scrape time', () => {
    const registry = new Registry();
    let rss = 1000;
    registerProcessMetrics(registry, {
      rssBytes: () => rss,
      cpuSeconds: () => 1.25,
      startTimeSeconds: 1700000000,
      eventLoopLagSeconds: () => 0.002,
      heapUsedBytes: () => 500,
    });
    assert.equal(find(parse(registry.render()), 'process_resident_memory_bytes'), 1000);
    rss = 2048;
    const parsed = parse(registry.render());
    assert.equal(find(parsed, 'process_resident_memory_bytes'), 2048);
    assert.equal(find(parsed, 'process_cpu_seconds_total'), 1.25);
    assert.equal(parsed.type.get('process_cpu_seconds_total'), 'counter');
    assert.equal(find(parsed, 'process_start_time_seconds'), 1700000000);
    assert.equal(find(parsed, 'nodejs_eventloop_lag_seconds'), 0.002);
  });

  it('renders the real process metrics in a parseable form', () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const parsed = parse(registry.render());
    assert.ok((find(parsed, 'process_resident_memory_bytes') ?? 0) > 0);
  });
});
