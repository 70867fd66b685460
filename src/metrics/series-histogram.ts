/**
 * A Prometheus histogram for the per-message observations (handler duration, lag), registered in a
 * prom-client Registry and exported exactly as prom-client's own Histogram exports (same text and
 * JSON, checked by test/unit/series-histogram.test.ts), but with an observe() that is a few
 * numeric writes.
 *
 * Why not prom-client's Histogram: its observe() validates the label names, builds a string key
 * from the label values and allocates an object on every call. The worker observes twice per
 * message (plus a counter), at tens of thousands of messages per second, so that per-call work was
 * a visible share of the worker's CPU per message (figures: docs/performance.md, "Per-series
 * histograms"). prom-client has no API to add
 * pre-aggregated counts to its Histogram (prometheus/client_js#241), so this class keeps the
 * counts itself and hands prom-client's Registry the same `get()` result its Histogram would.
 *
 * Series are keyed by the identity of the label object (TenantLabelling caches one object per
 * tenant and label values), with a fallback on the label values, so two equal objects still share
 * one series. Label names are checked once per new series, not per observation.
 */
import type { LabelValues, Registry } from 'prom-client';

interface SeriesData {
  labels: LabelValues<string>;
  /** Observations per bucket (not cumulative); the last slot counts values above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface SeriesHistogramOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** Upper bounds, ascending (as prom-client's `buckets`). */
  buckets: readonly number[];
  registry: Registry;
}

/** One sample as prom-client's Histogram hands it to the Registry (`le` in labels, the series' labels shared). */
export interface ExportValue {
  labels: LabelValues<string> & { le?: number | string };
  sharedLabels?: LabelValues<string>;
  value: number;
  metricName: string;
  /** Always null: tqw records no exemplars (prom-client puts null on bucket samples without one). */
  exemplar?: null;
}

/** What the Registry reads from a metric (the fields its formatter and JSON export use). */
export interface HistogramExport {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: ExportValue[];
}

export class SeriesHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly labelNames: ReadonlySet<string>;
  private readonly bounds: Float64Array;
  private readonly byObject = new Map<LabelValues<string>, SeriesData>();
  private readonly byKey = new Map<string, SeriesData>();

  constructor(options: SeriesHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = new Set(options.labelNames);
    for (let i = 1; i < options.buckets.length; i++) {
      if (!((options.buckets[i] as number) > (options.buckets[i - 1] as number)))
        throw new RangeError(`${options.name}: buckets must be strictly ascending`);
    }
    this.bounds = Float64Array.from(options.buckets);
    // As prom-client's Histogram: without labels the one series exists (all zero) from the start.
    if (this.labelNames.size === 0) this.addSeries({});
    // prom-client's Registry only needs what it calls: name, get(), reset() (its types name its own classes).
    options.registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Records one value (finite, as prom-client requires) in the series of `labels`. */
  observe(labels: LabelValues<string>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: value is not a valid number: ${value}`);
    const series = this.byObject.get(labels) ?? this.addSeries(labels);
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] ?? 0) + 1;
    series.sum += value;
    series.count += 1;
  }

  /** Drops the series of `labels` (prom-client's remove()). */
  remove(labels: LabelValues<string>): void {
    const key = this.keyOf(labels);
    const series = this.byKey.get(key);
    if (!series) return;
    this.byKey.delete(key);
    for (const [object, data] of this.byObject) if (data === series) this.byObject.delete(object);
  }

  reset(): void {
    this.byObject.clear();
    this.byKey.clear();
  }

  /** What prom-client's Registry formats into the text exposition (same shape as its Histogram's). */
  async getForPromString(): Promise<HistogramExport> {
    const values: ExportValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.byKey.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.counts[i] ?? 0;
        values.push({
          labels: { le: this.bounds[i] as number },
          sharedLabels: series.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: null },
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (Registry.getMetricsAsJSON): each value's labels include the series labels. */
  async get(): Promise<HistogramExport> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })),
    };
  }

  private addSeries(labels: LabelValues<string>): SeriesData {
    const key = this.keyOf(labels);
    let series = this.byKey.get(key);
    if (!series) {
      for (const name of Object.keys(labels)) {
        if (!this.labelNames.has(name)) throw new Error(`${this.name}: added label "${name}" is not included in initial labelset`);
      }
      series = { labels: { ...labels }, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.byKey.set(key, series);
    }
    this.byObject.set(labels, series);
    return series;
  }

  /** The label values in label-name order, unambiguous (JSON) for any characters. */
  private keyOf(labels: LabelValues<string>): string {
    return JSON.stringify([...this.labelNames].map((name) => labels[name] ?? null));
  }
}

/**
 * Start-up check that prom-client still exports a SeriesHistogram exactly as its own Histogram:
 * SeriesHistogram relies on the Registry calling `getForPromString()` (an undocumented hook of
 * prom-client 15, used by its own Histogram) and on how it formats `sharedLabels`. If a prom-client
 * release changed either, /metrics would silently carry wrong series; this makes the daemon refuse
 * to start instead, naming the fix. `make` is for tests (a broken exporter must be caught).
 */
export async function checkSeriesHistogramExport(
  make: (options: SeriesHistogramOptions) => Pick<SeriesHistogram, 'observe'> = (o) => new SeriesHistogram(o),
): Promise<void> {
  const { Histogram, Registry } = await import('prom-client');
  const ours = new Registry();
  const theirs = new Registry();
  const options = { name: 'tqw_selfcheck_seconds', help: 'start-up check', labelNames: ['tenant', 'type'], buckets: [0.1, 1] };
  const mine = make({ ...options, registry: ours });
  const reference = new Histogram<string>({ ...options, registers: [theirs] });
  for (const [labels, value] of [
    [{ tenant: 'a', type: 'T' }, 0.05],
    [{ tenant: 'b"\\', type: 'T' }, 5],
  ] as const) {
    mine.observe({ ...labels }, value);
    reference.observe({ ...labels }, value);
  }
  const [text, expected] = [await ours.metrics(), await theirs.metrics()];
  if (text !== expected) {
    throw new Error(
      "prom-client exports tqw's per-message histograms differently from its own Histogram (its getForPromString " +
        'hook or its label formatting changed); install the prom-client version package.json pins (~15.1) ' +
        `or update src/metrics/series-histogram.ts. Expected:\n${expected}\nGot:\n${text}`,
    );
  }
}
