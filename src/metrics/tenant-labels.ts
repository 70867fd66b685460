/**
 * The one place that decides whether a metric carries the `tenant` label (config metrics.tenantLabel).
 *
 * Every tenant-scoped metric is created through a `TenantLabelling`, which:
 * - adds `tenant` in front of the metric's other label names when the label is on, and leaves it out when off
 *   (a fleet with thousands of tenants would otherwise export thousands of series per metric);
 * - builds the label values for each observation, so counters and histograms aggregate into one series per
 *   remaining label set when the label is off (prom-client sums increments that share a label set);
 * - remembers which label sets each tenant used, so `forget(tenant)` can drop exactly that tenant's series
 *   (prom-client's `remove()` only removes one exact label set);
 * - turns per-tenant gauge rows into samples on each scrape: one per tenant, or a sum over all tenants.
 *
 * The metric definitions in metrics.ts therefore contain no `if (tenantLabel)` at all.
 */
import { Counter, Gauge, type LabelValues, type Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram';

export const TENANT_LABEL = 'tenant';

/** Label values of a series other than `tenant`. */
export type SeriesLabels<L extends string> = Readonly<Record<L, string>>;

interface MetricDefinition<L extends string> {
  name: string;
  help: string;
  /** Label names other than `tenant` (which is added or not by the labelling). */
  labelNames: readonly L[];
}

/** One tenant's contribution to a gauge, produced on each scrape. */
export interface GaugeRow<L extends string> {
  tenant: string;
  labels: SeriesLabels<L>;
  value: number;
}

/** A tenant-scoped counter: `inc(tenant, labels)`. */
export interface TenantCounter<L extends string> {
  inc(tenant: string, labels: SeriesLabels<L>, by?: number): void;
}

/** A tenant-scoped histogram: `observe(tenant, labels, value)`. */
export interface TenantHistogram<L extends string> {
  observe(tenant: string, labels: SeriesLabels<L>, value: number): void;
}

/** Label sets used per tenant by one metric, so they can be removed when the tenant goes away. */
class SeriesTracker {
  private readonly byTenant = new Map<string, Map<string, LabelValues<string>>>();

  constructor(private readonly remove: (labels: LabelValues<string>) => void) {}

  record(tenant: string, labels: LabelValues<string>): void {
    let sets = this.byTenant.get(tenant);
    if (!sets) {
      sets = new Map();
      this.byTenant.set(tenant, sets);
    }
    // The key only has to tell this tenant's label sets apart; JSON keeps values with odd characters distinct.
    const key = JSON.stringify(Object.values(labels));
    if (!sets.has(key)) sets.set(key, labels);
  }

  forget(tenant: string): void {
    const sets = this.byTenant.get(tenant);
    if (!sets) return;
    for (const labels of sets.values()) this.remove(labels);
    this.byTenant.delete(tenant);
  }
}

export class TenantLabelling {
  /** One tracker per tenant-labelled counter/histogram (empty when the label is off). */
  private readonly trackers: SeriesTracker[] = [];
  /** The label-object caches of those (see series()), emptied for a tenant by forget(). */
  private readonly caches: Array<Map<string, unknown>> = [];

  /**
   * @param registry where every metric created here is registered (never the global registry)
   * @param tenantLabel true: one series per tenant; false: no tenant label, values aggregated across tenants
   */
  constructor(
    private readonly registry: Registry,
    readonly tenantLabel: boolean,
  ) {}

  /**
   * Increments are added up per series here and handed to prom-client when it collects (on each
   * scrape): inc() runs for every message, and prom-client's inc() validates and hashes the labels
   * on every call (see series-histogram.ts for the measurement).
   */
  counter<L extends string>(definition: MetricDefinition<L>): TenantCounter<L> {
    const pending = new Map<LabelValues<string>, number>();
    const counter = new Counter<string>({
      name: definition.name,
      help: definition.help,
      labelNames: this.labelNames(definition.labelNames),
      registers: [this.registry],
      collect(this: Counter<string>) {
        for (const [labels, by] of pending) this.inc(labels, by);
        pending.clear();
      },
    });
    const series = this.series((labels) => {
      pending.delete(labels);
      counter.remove(labels);
    });
    return {
      inc: (tenant, labels, by = 1) => {
        if (!(by >= 0) || !Number.isFinite(by)) throw new RangeError(`${definition.name}: cannot increment by ${by}`);
        const key = series(tenant, labels);
        pending.set(key, (pending.get(key) ?? 0) + by);
      },
    };
  }

  histogram<L extends string>(definition: MetricDefinition<L> & { buckets: number[] }): TenantHistogram<L> {
    const histogram = new SeriesHistogram({
      name: definition.name,
      help: definition.help,
      labelNames: this.labelNames(definition.labelNames),
      buckets: definition.buckets,
      registry: this.registry,
    });
    const series = this.series((labels) => histogram.remove(labels));
    return {
      observe: (tenant, labels, value) => histogram.observe(series(tenant, labels), value),
    };
  }

  /**
   * A gauge computed on every scrape (prom-client's `collect()` idiom) from `rows()`.
   * With the tenant label each tenant gets its own sample; without it, rows sharing the remaining labels are
   * summed. A gauge without other labels reports 0 when there are no rows (the sum over no tenants).
   * Tenants that disappear from `rows()` disappear from the gauge, since it is rebuilt from scratch each time.
   */
  gauge<L extends string>(definition: MetricDefinition<L> & { rows: () => Iterable<GaugeRow<L>> }): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with the gauge as `this`
    const labelling = this;
    new Gauge<string>({
      name: definition.name,
      help: definition.help,
      labelNames: this.labelNames(definition.labelNames),
      registers: [this.registry],
      collect(this: Gauge<string>) {
        const sums = new Map<string, { labels: LabelValues<string>; value: number }>();
        for (const row of definition.rows()) {
          const labels = labelling.labelValues(row.tenant, row.labels);
          const key = JSON.stringify(Object.values(labels));
          const entry = sums.get(key);
          if (entry) entry.value += row.value;
          else sums.set(key, { labels, value: row.value });
        }
        this.reset();
        for (const { labels, value } of sums.values()) this.set(labels, value);
      },
    });
  }

  /**
   * Drops every series `tenant` created in the counters and histograms (gauges follow the tenant map by
   * themselves). With the tenant label off this does nothing: the aggregated series also hold the other
   * tenants' counts, and removing them would make those counters go backwards.
   */
  forget(tenant: string): void {
    for (const tracker of this.trackers) tracker.forget(tenant);
    for (const cache of this.caches) cache.delete(tenant);
  }

  private labelNames(rest: readonly string[]): string[] {
    return this.tenantLabel ? [TENANT_LABEL, ...rest] : [...rest];
  }

  private labelValues(tenant: string, rest: Readonly<Record<string, string>>): LabelValues<string> {
    return this.tenantLabel ? { [TENANT_LABEL]: tenant, ...rest } : { ...rest };
  }

  /**
   * Returns the label builder of one counter/histogram, recording each tenant's label sets when labelled.
   * The label objects are cached per tenant and label values: the builder runs for every message
   * (three observations each), and building, recording and hashing a fresh object each time was a
   * measurable share of the worker's CPU at tens of thousands of messages per second.
   */
  private series(
    remove: (labels: LabelValues<string>) => void,
  ): (tenant: string, rest: Readonly<Record<string, string>>) => LabelValues<string> {
    const tracker = this.tenantLabel ? new SeriesTracker(remove) : undefined;
    // Per tenant (label on) or one shared entry (label off: the tenant is not part of the series).
    const cache = new Map<string, Map<string, LabelValues<string>>>();
    if (tracker) {
      this.trackers.push(tracker);
      this.caches.push(cache);
    }
    return (tenant, rest) => {
      const owner = tracker ? tenant : '';
      let byValues = cache.get(owner);
      if (!byValues) {
        byValues = new Map();
        cache.set(owner, byValues);
      }
      // Keyed by the label values in order: one value (the usual case: type) is its own key, so
      // the lookup builds no string; two or more are joined (NUL cannot occur in a label value we write).
      let key: string | undefined;
      for (const name in rest) key = key === undefined ? (rest[name] as string) : `${key}\u0000${rest[name] as string}`;
      key ??= '';
      let labels = byValues.get(key);
      if (!labels) {
        labels = this.labelValues(tenant, rest);
        tracker?.record(tenant, labels);
        // Bounded by the label sets in use (tenants x types x outcomes); forget() drops a tenant's.
        byValues.set(key, labels);
      }
      return labels;
    };
  }
}
