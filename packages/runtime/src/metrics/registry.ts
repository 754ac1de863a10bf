/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format (version 0.0.4) that `/metrics` serves.
 */

export type Labels = Readonly<Record<string, string>>;

export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A sample value as Prometheus writes it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

abstract class Metric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(options: MetricOptions<L>) {
    if (!metricNamePattern.test(options.name)) throw new Error(`invalid metric name "${options.name}"`);
    for (const label of options.labelNames ?? []) {
      if (!labelNamePattern.test(label) || label.startsWith('__') || label === 'le') {
        throw new Error(`invalid label name "${label}" for metric ${options.name}`);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected abstract initial(): S;
  protected abstract renderSeries(values: readonly string[], state: S): string[];

  protected entry(labels: Partial<Record<L, string>> | undefined): S {
    const values = this.labelNames.map((name) => {
      const value = labels?.[name];
      if (value === undefined) throw new Error(`metric ${this.name} needs label "${name}"`);
      return value;
    });
    const key = JSON.stringify(values);
    let found = this.series.get(key);
    if (!found) {
      found = { values, state: this.initial() };
      this.series.set(key, found);
    }
    return found.state;
  }

  /** Drops one labelled series (for example when the object it described is deleted). */
  remove(labels: Record<L, string>): void {
    this.series.delete(JSON.stringify(this.labelNames.map((name) => labels[name])));
  }

  /** Drops every series whose labels include all of `match`. */
  removeMatching(match: Partial<Record<L, string>>): void {
    for (const [key, { values }] of this.series) {
      const matches = this.labelNames.every(
        (name, i) => match[name] === undefined || match[name] === values[i],
      );
      if (matches) this.series.delete(key);
    }
  }

  reset(): void {
    this.series.clear();
  }

  /** Called before rendering, so a metric can read its value (process metrics). */
  collect(): void {}

  render(): string {
    this.collect();
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, state } of this.series.values()) lines.push(...this.renderSeries(values, state));
    return lines.join('\n');
  }

  protected labelString(values: readonly string[], extra?: [string, string]): string {
    return formatLabels(this.labelNames, values, extra);
  }
}

/** A metric with one number per series, whose values may be read right before each render. */
abstract class ScalarMetric<L extends string, Self> extends Metric<L, { value: number }> {
  readonly #collect: ((metric: Self) => void) | undefined;
  constructor(options: MetricOptions<L> & { collect?: ((metric: Self) => void) | undefined }) {
    super(options);
    this.#collect = options.collect;
  }
  protected initial() {
    return { value: 0 };
  }
  override collect(): void {
    // Self is the subclass itself (Counter<L> or Gauge<L>), which `this` always is.
    this.#collect?.(this as unknown as Self);
  }
  get(labels?: Record<L, string>): number {
    return this.entry(labels).value;
  }
  protected renderSeries(values: readonly string[], state: { value: number }): string[] {
    return [`${this.name}${this.labelString(values)} ${formatValue(state.value)}`];
  }
}

export interface CounterOptions<L extends string> extends MetricOptions<L> {
  /** Mirrors totals kept elsewhere: called right before each render, sets them with `setTotal`. */
  collect?: (counter: Counter<L>) => void;
}

export class Counter<L extends string = never> extends ScalarMetric<L, Counter<L>> {
  readonly type = 'counter';
  /** For a counter whose total another component keeps (see `collect`); it may not go down. */
  setTotal(labels: Record<L, string> | undefined, total: number): void {
    const entry = this.entry(labels);
    if (total < entry.value || Number.isNaN(total)) {
      throw new Error(`counter ${this.name} can only increase, got ${total} after ${entry.value}`);
    }
    entry.value = total;
  }
  inc(labels?: Record<L, string>, by = 1): void {
    if (by < 0 || Number.isNaN(by)) throw new Error(`counter ${this.name} can only increase, got ${by}`);
    this.entry(labels).value += by;
  }
}

export interface GaugeOptions<L extends string> extends MetricOptions<L> {
  /** Sets the gauge's value(s) right before each render. */
  collect?: (gauge: Gauge<L>) => void;
}

export class Gauge<L extends string = never> extends ScalarMetric<L, Gauge<L>> {
  readonly type = 'gauge';
  set(labels: Record<L, string> | undefined, value: number): void {
    this.entry(labels).value = value;
  }
  inc(labels?: Record<L, string>, by = 1): void {
    this.entry(labels).value += by;
  }
  dec(labels?: Record<L, string>, by = 1): void {
    this.entry(labels).value -= by;
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets?: readonly number[];
}

/** Prometheus' client default buckets, in seconds. */
export const defaultBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  constructor(options: HistogramOptions<L>) {
    super(options);
    const buckets = [...(options.buckets ?? defaultBuckets)].filter((b) => b !== Number.POSITIVE_INFINITY);
    for (let i = 1; i < buckets.length; i++) {
      if ((buckets[i] ?? 0) <= (buckets[i - 1] ?? 0))
        throw new Error(`histogram ${this.name} buckets must ascend`);
    }
    this.buckets = buckets;
  }
  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  observe(labels: Record<L, string> | undefined, value: number): void {
    const state = this.entry(labels);
    // Counts are kept per bucket and made cumulative when rendered.
    const index = this.buckets.findIndex((upper) => value <= upper);
    if (index >= 0) state.counts[index] = (state.counts[index] ?? 0) + 1;
    state.sum += value;
    state.count += 1;
  }
  /** Count and sum of the observations of one series. */
  get(labels?: Record<L, string>): { count: number; sum: number } {
    const state = this.entry(labels);
    return { count: state.count, sum: state.sum };
  }
  protected renderSeries(values: readonly string[], state: HistogramState): string[] {
    const lines: string[] = [];
    let cumulative = 0;
    this.buckets.forEach((upper, i) => {
      cumulative += state.counts[i] ?? 0;
      lines.push(`${this.name}_bucket${this.labelString(values, ['le', formatValue(upper)])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${this.labelString(values, ['le', '+Inf'])} ${state.count}`);
    lines.push(`${this.name}_sum${this.labelString(values)} ${formatValue(state.sum)}`);
    lines.push(`${this.name}_count${this.labelString(values)} ${state.count}`);
    return lines;
  }
}

/** What the registry needs of a metric. */
export interface Collector {
  readonly name: string;
  render(): string;
}

/** Holds metrics by name and renders them all. */
export class Registry {
  readonly #metrics = new Map<string, Collector>();

  /** The content type of `render()`'s output. */
  static readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';

  register<M extends Collector>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  counter<L extends string = never>(options: CounterOptions<L>): Counter<L> {
    return this.register(new Counter<L>(options));
  }

  gauge<L extends string = never>(options: GaugeOptions<L>): Gauge<L> {
    return this.register(new Gauge<L>(options));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.register(new Histogram<L>(options));
  }

  get(name: string): Collector | undefined {
    return this.#metrics.get(name);
  }

  render(): string {
    const blocks = [...this.#metrics.values()].map((metric) => metric.render());
    return blocks.length === 0 ? '' : `${blocks.join('\n')}\n`;
  }
}
