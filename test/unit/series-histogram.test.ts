/**
 * SeriesHistogram (src/metrics/series-histogram.ts) against prom-client's own Histogram: the same
 * observations give byte-identical text exposition and equal JSON, in a real prom-client Registry.
 * And the accumulating tenant counter (tenant-labels.ts) against a plain prom-client Counter.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from '../../src/metrics/series-histogram';
import { TenantLabelling } from '../../src/metrics/tenant-labels';

const BUCKETS = [0.005, 0.01, 0.1, 1, 10];
const VALUES = [0, 0.005, 0.0051, 0.01, 0.5, 1, 9.99, 10, 10.0001, 1e6, 3.3];

function pair(labelNames: string[]) {
  const ours = new Registry();
  const theirs = new Registry();
  const mine = new SeriesHistogram({
    name: 'x_seconds',
    help: 'Help with "quotes" and \\ backslash.',
    labelNames,
    buckets: BUCKETS,
    registry: ours,
  });
  const reference = new Histogram<string>({
    name: 'x_seconds',
    help: 'Help with "quotes" and \\ backslash.',
    labelNames,
    buckets: BUCKETS,
    registers: [theirs],
  });
  return { ours, theirs, mine, reference };
}

describe('SeriesHistogram exports what prom-client Histogram exports', () => {
  test('several series (label values with quotes, newlines, unicode), every bucket edge', async () => {
    const { ours, theirs, mine, reference } = pair(['tenant', 'type']);
    const series = [
      { tenant: 'acme', type: 'Order' },
      { tenant: 'b"q\\uo\nte', type: 'Größe' },
      { tenant: 'acme', type: 'Invoice' },
    ];
    VALUES.forEach((v, i) => {
      const labels = series[i % series.length]!;
      mine.observe({ ...labels }, v); // a fresh but equal object: still one series
      reference.observe(labels, v);
    });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  test('no labels; remove() and reset() as prom-client', async () => {
    const { ours, theirs, mine, reference } = pair([]);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    for (const v of VALUES) {
      mine.observe({}, v);
      reference.observe({}, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    ours.resetMetrics();
    theirs.resetMetrics();
    mine.observe({}, 2);
    reference.observe(2);
    expect(await ours.metrics()).toBe(await theirs.metrics());

    const two = pair(['type']);
    for (const type of ['a', 'b']) {
      two.mine.observe({ type }, 0.02);
      two.reference.observe({ type }, 0.02);
    }
    two.mine.remove({ type: 'a' });
    two.reference.remove({ type: 'a' });
    expect(await two.ours.metrics()).toBe(await two.theirs.metrics());
    expect(await two.ours.metrics()).not.toMatch(/type="a"/);
  });

  test('rejects what prom-client rejects: a label it was not given, a non-finite value, unsorted buckets', () => {
    const { mine } = pair(['type']);
    expect(() => mine.observe({ tenant: 'x' }, 1)).toThrow(/"tenant" is not included/);
    expect(() => mine.observe({ type: 'x' }, Number.NaN)).toThrow(/not a valid number/);
    expect(() => new SeriesHistogram({ name: 'y', help: 'h', labelNames: [], buckets: [1, 1], registry: new Registry() })).toThrow(
      /ascending/,
    );
  });
});

describe('tenant counters add up increments until a scrape', () => {
  test('the same text as a prom-client Counter incremented one by one, and forget() drops a tenant', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const labelling = new TenantLabelling(ours, true);
    const counter = labelling.counter({ name: 'c_total', help: 'h', labelNames: ['type'] });
    const reference = new Counter<string>({ name: 'c_total', help: 'h', labelNames: ['tenant', 'type'], registers: [theirs] });
    const incs: Array<[string, string, number]> = [
      ['a', 'X', 1],
      ['a', 'X', 1],
      ['b', 'Y', 5],
      ['a', 'Z', 0.5],
    ];
    for (const [tenant, type, by] of incs) {
      counter.inc(tenant, { type }, by);
      reference.inc({ tenant, type }, by);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // Increments after a scrape add to what was exported.
    counter.inc('b', { type: 'Y' });
    reference.inc({ tenant: 'b', type: 'Y' });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toMatch(/c_total\{tenant="b",type="Y"\} 6/);
    expect(() => counter.inc('a', { type: 'X' }, -1)).toThrow(RangeError);
    // forget(): the tenant's series go, increments not yet scraped included.
    counter.inc('a', { type: 'X' });
    labelling.forget('a');
    reference.remove({ tenant: 'a', type: 'X' });
    reference.remove({ tenant: 'a', type: 'Z' });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).not.toMatch(/tenant="a"/);
  });
});

describe('the start-up check (checkSeriesHistogramExport)', () => {
  test('passes with the installed prom-client', async () => {
    const { checkSeriesHistogramExport } = await import('../../src/metrics/series-histogram');
    await expect(checkSeriesHistogramExport()).resolves.toBeUndefined();
  });

  test("fails loudly, naming the fix, when the export differs from prom-client's (here: an exporter that drops its labels)", async () => {
    const { checkSeriesHistogramExport } = await import('../../src/metrics/series-histogram');
    const dropsLabels = (o: ConstructorParameters<typeof SeriesHistogram>[0]) => {
      const h = new SeriesHistogram(o);
      return { observe: (_labels: Record<string, string>, v: number) => h.observe({}, v) } as unknown as SeriesHistogram;
    };
    await expect(checkSeriesHistogramExport(dropsLabels)).rejects.toThrow(/exports tqw's per-message histograms differently[\s\S]*~15\.1/);
  });
});
