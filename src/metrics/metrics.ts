/**
 * Every Prometheus metric tqw exports, with its help text: the one place they are defined.
 *
 * - Counters and histograms are fed by the worker through the `TqwMetrics` methods.
 * - Gauges (queue depth, in-flight messages, tenant up) are computed on each scrape from
 *   `MetricsSource.tenants()` (prom-client's `collect()` idiom), so they always match the worker's state and
 *   tenants removed from the map vanish from them without bookkeeping. Queue depth comes from the
 *   QueueDepthCache (refreshed on an interval), never from a query on the scrape.
 * - Metrics live in their own Registry (a new one unless one is passed), never prom-client's global
 *   registry, so two instances in one process (tests, embedding) never collide.
 * - Whether series carry the `tenant` label is decided in tenant-labels.ts, not here.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TenantLabelling, type GaugeRow, type SeriesLabels, type TenantHistogram } from './tenant-labels';

export type ProcessedOutcome = 'completed' | 'retried' | 'dead_lettered' | 'snoozed';
export type PollResult = 'hit' | 'empty' | 'error';

/** The statuses reported by tqw_queue_depth (Completed is left out: it only grows until retention). */
export type DepthStatus = 'Pending' | 'Processing' | 'Failed' | 'DeadLetter';
export const DEPTH_STATUSES: readonly DepthStatus[] = ['Pending', 'Processing', 'Failed', 'DeadLetter'];

/** One tenant's state at scrape time. */
export interface TenantGaugeSnapshot {
  id: string;
  up: boolean;
  inflight: number;
  /** Last known queue depth; undefined (or a missing status) while unknown, which exports no sample. */
  depth?: Partial<Record<DepthStatus, number>> & { waitingByType?: Record<string, number> };
  /** Last known pause switches (tqw pause); undefined while unknown, which exports no sample. */
  paused?: { all: boolean; types: readonly string[] };
}

/** What the gauges are computed from on each scrape (implemented by the worker). */
export interface MetricsSource {
  tenants(): Iterable<TenantGaugeSnapshot>;
}

export interface MetricsOptions {
  /** Registry to register into. Default: a new Registry (never prom-client's global one). */
  registry?: Registry;
  /**
   * Config metrics.tenantLabel. Default true. false drops the `tenant` label from every metric: counters and
   * histograms aggregate into one series per remaining labels, gauges become sums over tenants
   * (tqw_tenant_up = number of up tenants). For fleets with thousands of tenants.
   */
  tenantLabel?: boolean;
  /** Also export prom-client's default process/Node.js metrics (process_cpu_seconds_total, ...). Default true. */
  defaultMetrics?: boolean;
  source: MetricsSource;
}

export interface TqwMetrics {
  readonly registry: Registry;
  messageProcessed(tenant: string, type: string, outcome: ProcessedOutcome): void;
  /** Handler run time of one attempt. */
  messageDuration(tenant: string, type: string, seconds: number): void;
  /** ScheduledTime to handler start. Negative values (clock skew between database and host) count as 0. */
  messageLag(tenant: string, type: string, seconds: number): void;
  poll(tenant: string, result: PollResult, seconds: number): void;
  configReload(result: 'success' | 'failure'): void;
  /** An occurrence of a recurring schedule this replica enqueued for the tenant. */
  scheduleEnqueued(schedule: string, tenant: string): void;
  /**
   * Drops the tenant's counter and histogram series (call it after the tenant was removed from the map and
   * drained; a later observation for the tenant would create its series again). No-op with tenantLabel false.
   */
  removeTenant(tenant: string): void;
}

/** Handler durations: 5 ms to 5 min (handler timeout default is 30 s; allow for raised timeouts). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Lag: 10 ms (idle worker picking up at once) to 6 h (a backlog after an outage). */
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600];
/** Claim statement round trip: 1 ms to 10 s (connect timeout default is 5 s). */
const POLL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions): TqwMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const labelling = new TenantLabelling(registry, options.tenantLabel ?? true);
  const source = options.source;

  const processed = labelling.counter({
    name: 'tqw_messages_processed_total',
    help: 'Messages whose attempt finished, by outcome: completed, retried (will run again), dead_lettered or snoozed (will run again, the attempt not counted).',
    labelNames: ['type', 'outcome'],
  });
  const duration = labelling.histogram({
    name: 'tqw_message_duration_seconds',
    help: 'Handler run time of one attempt, in seconds.',
    labelNames: ['type'],
    buckets: DURATION_BUCKETS,
  });
  const lag = labelling.histogram({
    name: 'tqw_message_lag_seconds',
    help: "Time from a message's ScheduledTime to the start of its handler, in seconds.",
    labelNames: ['type'],
    buckets: LAG_BUCKETS,
  });
  const polls = labelling.counter({
    name: 'tqw_polls_total',
    help: 'Claim attempts on a queue table, by result: hit (claimed messages), empty, error.',
    labelNames: ['result'],
  });
  const pollDuration = labelling.histogram({
    name: 'tqw_poll_duration_seconds',
    help: 'Round trip of one claim statement, in seconds.',
    labelNames: [],
    buckets: POLL_BUCKETS,
  });

  const scheduleEnqueued = labelling.counter({
    name: 'tqw_schedule_enqueued_total',
    help: 'Occurrences of recurring schedules enqueued by this replica (each occurrence is enqueued by one replica only), by schedule.',
    labelNames: ['schedule'],
  });

  labelling.gauge({
    name: 'tqw_queue_depth',
    help: 'Messages in the queue table by status (Pending, Processing, Failed, DeadLetter), refreshed on an interval (metrics.depthIntervalMs), not on scrape.',
    labelNames: ['status'],
    rows: () => depthRows(source),
  });
  labelling.gauge({
    name: 'tqw_pending_messages_by_type',
    help: 'Pending and Failed messages (waiting to run) by message type, refreshed with tqw_queue_depth; a type no running worker serves stays here instead of being dead-lettered.',
    labelNames: ['type'],
    rows: () => waitingRows(source),
  });
  labelling.gauge({
    name: 'tqw_inflight_messages',
    help: 'Messages claimed by this worker whose handler is running.',
    labelNames: [],
    rows: () => map(source.tenants(), (t) => ({ tenant: t.id, labels: {}, value: t.inflight })),
  });
  labelling.gauge({
    name: 'tqw_tenant_up',
    help: 'Whether the tenant queue is reachable (1) or down and retried with backoff (0); without the tenant label, the number of up tenants.',
    labelNames: [],
    rows: () => map(source.tenants(), (t) => ({ tenant: t.id, labels: {}, value: t.up ? 1 : 0 })),
  });

  labelling.gauge({
    name: 'tqw_tenant_paused',
    help: 'Whether the whole tenant is paused (tqw pause --tenant ID): 1, else 0; refreshed with tqw_queue_depth. Without the tenant label, the number of paused tenants.',
    labelNames: [],
    rows: () => pausedRows(source),
  });
  labelling.gauge({
    name: 'tqw_message_type_paused',
    help: 'Message types paused on their own (tqw pause --tenant ID --type T): 1 per paused type; refreshed with tqw_queue_depth.',
    labelNames: ['type'],
    rows: () => pausedTypeRows(source),
  });

  // Not tenant-scoped: these two are the same with or without the tenant label.
  new Gauge({
    name: 'tqw_tenants',
    help: 'Tenants in the current tenant map (compare with tqw_tenant_up to see how many are down).',
    registers: [registry],
    collect(this: Gauge) {
      let count = 0;
      for (const _tenant of source.tenants()) count += 1;
      this.set(count);
    },
  });
  const configReloads = new Counter({
    name: 'tqw_config_reloads_total',
    help: 'Reloads of the tenant map (SIGHUP or file change), by result; a failure keeps the previous map.',
    labelNames: ['result'],
    registers: [registry],
  });
  // Export both results from the start, so rate() and alerts on failures work before the first reload.
  configReloads.inc({ result: 'success' }, 0);
  configReloads.inc({ result: 'failure' }, 0);

  return {
    registry,
    messageProcessed: (tenant, type, outcome) => processed.inc(tenant, { type, outcome }),
    messageDuration: (tenant, type, seconds) => observeSeconds(duration, tenant, { type }, seconds),
    messageLag: (tenant, type, seconds) => observeSeconds(lag, tenant, { type }, seconds),
    poll: (tenant, result, seconds) => {
      polls.inc(tenant, { result });
      observeSeconds(pollDuration, tenant, {}, seconds);
    },
    configReload: (result) => configReloads.inc({ result }),
    scheduleEnqueued: (schedule, tenant) => scheduleEnqueued.inc(tenant, { schedule }),
    removeTenant: (tenant) => labelling.forget(tenant),
  };
}

function* depthRows(source: MetricsSource): Iterable<GaugeRow<'status'>> {
  for (const tenant of source.tenants()) {
    if (!tenant.depth) continue;
    for (const status of DEPTH_STATUSES) {
      const value = tenant.depth[status];
      if (value !== undefined) yield { tenant: tenant.id, labels: { status }, value };
    }
  }
}

function* waitingRows(source: MetricsSource): Iterable<GaugeRow<'type'>> {
  for (const tenant of source.tenants()) {
    const byType = tenant.depth?.waitingByType;
    if (byType) for (const [type, value] of Object.entries(byType)) yield { tenant: tenant.id, labels: { type }, value };
  }
}

function* pausedRows(source: MetricsSource): Iterable<GaugeRow<never>> {
  for (const tenant of source.tenants()) if (tenant.paused) yield { tenant: tenant.id, labels: {}, value: tenant.paused.all ? 1 : 0 };
}

function* pausedTypeRows(source: MetricsSource): Iterable<GaugeRow<'type'>> {
  for (const tenant of source.tenants())
    for (const type of tenant.paused?.types ?? []) yield { tenant: tenant.id, labels: { type }, value: 1 };
}

function* map<T, U>(items: Iterable<T>, fn: (item: T) => U): Iterable<U> {
  for (const item of items) yield fn(item);
}

/**
 * Observes a duration, never throwing into the worker: non-finite values (a bug upstream) are dropped, and
 * negative ones (database clock ahead of this host) count as 0. (No callback: it runs for every message.)
 */
function observeSeconds<L extends string>(histogram: TenantHistogram<L>, tenant: string, labels: SeriesLabels<L>, seconds: number): void {
  if (Number.isFinite(seconds)) histogram.observe(tenant, labels, Math.max(0, seconds));
}
