import { Registry, register as globalRegistry } from 'prom-client';
import { createMetrics, type MetricsOptions, type TenantGaugeSnapshot } from '../../src/metrics/metrics';
import { find, parseSamples, valueOf, type Sample } from './metrics-prom-text';

/** A metrics source whose tenant list the test edits between scrapes. */
function mutableSource(initial: TenantGaugeSnapshot[] = []) {
  const state = { tenants: initial };
  return { state, source: { tenants: () => state.tenants } };
}

async function scrape(registry: Registry): Promise<Sample[]> {
  return parseSamples(await registry.metrics());
}

function create(options: Partial<MetricsOptions> & Pick<MetricsOptions, 'source'>) {
  return createMetrics({ defaultMetrics: false, ...options });
}

const TQW_METRICS = [
  'tqw_messages_processed_total',
  'tqw_message_duration_seconds',
  'tqw_message_lag_seconds',
  'tqw_polls_total',
  'tqw_poll_duration_seconds',
  'tqw_queue_depth',
  'tqw_pending_messages_by_type',
  'tqw_inflight_messages',
  'tqw_tenant_up',
  'tqw_tenants',
  'tqw_config_reloads_total',
  'tqw_schedule_enqueued_total',
];

describe('createMetrics with the tenant label (default)', () => {
  it('defines every tqw_ metric with a help text and its type', async () => {
    const { source } = mutableSource();
    const text = await create({ source }).registry.metrics();
    for (const name of TQW_METRICS) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.+$`, 'm'));
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
  });

  it('exports waiting messages by type from the depth snapshot, and no series for a tenant without them', async () => {
    const { source } = mutableSource([
      { id: 'acme', up: true, inflight: 0, depth: { Pending: 3, Failed: 1, waitingByType: { Report: 3, SendEmail: 1 } } },
      { id: 'globex', up: true, inflight: 0, depth: { Pending: 0, Failed: 0 } },
    ]);
    const samples = await scrape(create({ source }).registry);
    const name = 'tqw_pending_messages_by_type';
    expect(valueOf(samples, name, { tenant: 'acme', type: 'Report' })).toBe(3);
    expect(valueOf(samples, name, { tenant: 'acme', type: 'SendEmail' })).toBe(1);
    expect(find(samples, name)).toHaveLength(2);
  });

  it('counts processed messages per tenant, type and outcome', async () => {
    const { source } = mutableSource();
    const metrics = create({ source });
    metrics.messageProcessed('acme', 'email', 'completed');
    metrics.messageProcessed('acme', 'email', 'completed');
    metrics.messageProcessed('acme', 'email', 'retried');
    metrics.messageProcessed('acme', 'sms', 'dead_lettered');
    metrics.messageProcessed('globex', 'email', 'completed');

    const samples = await scrape(metrics.registry);
    const name = 'tqw_messages_processed_total';
    expect(valueOf(samples, name, { tenant: 'acme', type: 'email', outcome: 'completed' })).toBe(2);
    expect(valueOf(samples, name, { tenant: 'acme', type: 'email', outcome: 'retried' })).toBe(1);
    expect(valueOf(samples, name, { tenant: 'acme', type: 'sms', outcome: 'dead_lettered' })).toBe(1);
    expect(valueOf(samples, name, { tenant: 'globex', type: 'email', outcome: 'completed' })).toBe(1);
    expect(find(samples, name)).toHaveLength(4);
  });

  it('records durations and lag in histograms, lag buckets reaching hours', async () => {
    const { source } = mutableSource();
    const metrics = create({ source });
    metrics.messageDuration('acme', 'email', 0.2);
    metrics.messageDuration('acme', 'email', 3);
    metrics.messageLag('acme', 'email', 0.004);
    metrics.messageLag('acme', 'email', 5400); // 1.5 h behind
    metrics.messageLag('acme', 'email', -2); // database clock ahead of ours: counts as 0
    metrics.messageLag('acme', 'email', Number.NaN); // dropped, never thrown into the worker

    const samples = await scrape(metrics.registry);
    const labels = { tenant: 'acme', type: 'email' };
    expect(valueOf(samples, 'tqw_message_duration_seconds_count', labels)).toBe(2);
    expect(valueOf(samples, 'tqw_message_duration_seconds_sum', labels)).toBeCloseTo(3.2);
    expect(valueOf(samples, 'tqw_message_duration_seconds_bucket', { ...labels, le: '0.1' })).toBe(0);
    expect(valueOf(samples, 'tqw_message_duration_seconds_bucket', { ...labels, le: '0.25' })).toBe(1);
    expect(valueOf(samples, 'tqw_message_duration_seconds_bucket', { ...labels, le: '5' })).toBe(2);

    expect(valueOf(samples, 'tqw_message_lag_seconds_count', labels)).toBe(3);
    expect(valueOf(samples, 'tqw_message_lag_seconds_bucket', { ...labels, le: '0.01' })).toBe(2);
    expect(valueOf(samples, 'tqw_message_lag_seconds_bucket', { ...labels, le: '3600' })).toBe(2);
    expect(valueOf(samples, 'tqw_message_lag_seconds_bucket', { ...labels, le: '7200' })).toBe(3);
  });

  it('counts polls by result and times them per tenant', async () => {
    const { source } = mutableSource();
    const metrics = create({ source });
    metrics.poll('acme', 'hit', 0.003);
    metrics.poll('acme', 'empty', 0.002);
    metrics.poll('acme', 'empty', 0.002);
    metrics.poll('globex', 'error', 5);

    const samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_polls_total', { tenant: 'acme', result: 'hit' })).toBe(1);
    expect(valueOf(samples, 'tqw_polls_total', { tenant: 'acme', result: 'empty' })).toBe(2);
    expect(valueOf(samples, 'tqw_polls_total', { tenant: 'globex', result: 'error' })).toBe(1);
    expect(valueOf(samples, 'tqw_poll_duration_seconds_count', { tenant: 'acme' })).toBe(3);
    expect(valueOf(samples, 'tqw_poll_duration_seconds_count', { tenant: 'globex' })).toBe(1);
    expect(valueOf(samples, 'tqw_poll_duration_seconds_sum', { tenant: 'globex' })).toBe(5);
  });

  it('computes the gauges from the source on every scrape', async () => {
    const { state, source } = mutableSource([
      { id: 'acme', up: true, inflight: 3, depth: { Pending: 10, Processing: 3, Failed: 1, DeadLetter: 0 } },
      { id: 'globex', up: false, inflight: 0 }, // depth not known yet: no queue_depth samples
    ]);
    const metrics = create({ source });

    let samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_queue_depth', { tenant: 'acme', status: 'Pending' })).toBe(10);
    expect(valueOf(samples, 'tqw_queue_depth', { tenant: 'acme', status: 'Processing' })).toBe(3);
    expect(valueOf(samples, 'tqw_queue_depth', { tenant: 'acme', status: 'Failed' })).toBe(1);
    expect(valueOf(samples, 'tqw_queue_depth', { tenant: 'acme', status: 'DeadLetter' })).toBe(0);
    expect(find(samples, 'tqw_queue_depth', { tenant: 'globex' })).toHaveLength(0);
    expect(valueOf(samples, 'tqw_inflight_messages', { tenant: 'acme' })).toBe(3);
    expect(valueOf(samples, 'tqw_inflight_messages', { tenant: 'globex' })).toBe(0);
    expect(valueOf(samples, 'tqw_tenant_up', { tenant: 'acme' })).toBe(1);
    expect(valueOf(samples, 'tqw_tenant_up', { tenant: 'globex' })).toBe(0);
    expect(valueOf(samples, 'tqw_tenants')).toBe(2);

    // The worker's state changes; the next scrape shows it, and a tenant gone from the map is gone here too.
    state.tenants = [{ id: 'globex', up: true, inflight: 1, depth: { Pending: 4 } }];
    samples = await scrape(metrics.registry);
    expect(find(samples, 'tqw_queue_depth', { tenant: 'acme' })).toHaveLength(0);
    expect(find(samples, 'tqw_inflight_messages', { tenant: 'acme' })).toHaveLength(0);
    expect(find(samples, 'tqw_tenant_up', { tenant: 'acme' })).toHaveLength(0);
    expect(valueOf(samples, 'tqw_queue_depth', { tenant: 'globex', status: 'Pending' })).toBe(4);
    expect(find(samples, 'tqw_queue_depth', { tenant: 'globex' })).toHaveLength(1);
    expect(valueOf(samples, 'tqw_tenant_up', { tenant: 'globex' })).toBe(1);
    expect(valueOf(samples, 'tqw_inflight_messages', { tenant: 'globex' })).toBe(1);
    expect(valueOf(samples, 'tqw_tenants')).toBe(1);
  });

  it('exports config reloads by result, both starting at 0', async () => {
    const { source } = mutableSource();
    const metrics = create({ source });
    let samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_config_reloads_total', { result: 'success' })).toBe(0);
    expect(valueOf(samples, 'tqw_config_reloads_total', { result: 'failure' })).toBe(0);

    metrics.configReload('success');
    metrics.configReload('failure');
    metrics.configReload('success');
    samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_config_reloads_total', { result: 'success' })).toBe(2);
    expect(valueOf(samples, 'tqw_config_reloads_total', { result: 'failure' })).toBe(1);
  });

  it('counts enqueued schedule occurrences per tenant and schedule', async () => {
    const { source } = mutableSource();
    const metrics = create({ source });
    metrics.scheduleEnqueued('nightly', 'acme');
    metrics.scheduleEnqueued('nightly', 'acme');
    metrics.scheduleEnqueued('hourly', 'globex');
    const samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_schedule_enqueued_total', { tenant: 'acme', schedule: 'nightly' })).toBe(2);
    expect(valueOf(samples, 'tqw_schedule_enqueued_total', { tenant: 'globex', schedule: 'hourly' })).toBe(1);
    expect(find(samples, 'tqw_schedule_enqueued_total', {})).toHaveLength(2);
  });

  it('escapes label values that contain quotes, backslashes and newlines', async () => {
    const { source } = mutableSource();
    const metrics = create({ source });
    const type = 'odd "type"\\with\nnewline';
    metrics.messageProcessed('acme', type, 'completed');
    const samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_messages_processed_total', { tenant: 'acme', type, outcome: 'completed' })).toBe(1);
  });

  it('removeTenant drops every counter and histogram series of that tenant only', async () => {
    const { source } = mutableSource();
    const metrics = create({ source });
    for (const tenant of ['acme', 'globex']) {
      metrics.messageProcessed(tenant, 'email', 'completed');
      metrics.messageProcessed(tenant, 'sms', 'retried');
      metrics.messageDuration(tenant, 'email', 0.1);
      metrics.messageLag(tenant, 'sms', 1);
      metrics.poll(tenant, 'hit', 0.01);
      metrics.poll(tenant, 'error', 0.01);
    }

    metrics.removeTenant('acme');
    metrics.removeTenant('never-seen'); // harmless

    const samples = await scrape(metrics.registry);
    expect(samples.filter((s) => s.name.startsWith('tqw_') && s.labels.tenant === 'acme')).toEqual([]);
    expect(valueOf(samples, 'tqw_messages_processed_total', { tenant: 'globex', type: 'sms', outcome: 'retried' })).toBe(1);
    expect(valueOf(samples, 'tqw_message_duration_seconds_count', { tenant: 'globex', type: 'email' })).toBe(1);
    expect(valueOf(samples, 'tqw_message_lag_seconds_count', { tenant: 'globex', type: 'sms' })).toBe(1);
    expect(valueOf(samples, 'tqw_polls_total', { tenant: 'globex', result: 'error' })).toBe(1);
    expect(valueOf(samples, 'tqw_poll_duration_seconds_count', { tenant: 'globex' })).toBe(2);

    // A tenant added back starts from zero.
    metrics.messageProcessed('acme', 'email', 'completed');
    const again = await scrape(metrics.registry);
    expect(valueOf(again, 'tqw_messages_processed_total', { tenant: 'acme', type: 'email', outcome: 'completed' })).toBe(1);

    // ...and is dropped again by a second removal (the worker caches label sets per tenant).
    metrics.removeTenant('acme');
    const thrice = await scrape(metrics.registry);
    expect(thrice.filter((s) => s.name.startsWith('tqw_') && s.labels.tenant === 'acme')).toEqual([]);
  });
});

describe('createMetrics with tenantLabel: false', () => {
  it('aggregates counters and histograms into series without the tenant label', async () => {
    const { source } = mutableSource();
    const metrics = create({ source, tenantLabel: false });
    metrics.messageProcessed('acme', 'email', 'completed');
    metrics.messageProcessed('globex', 'email', 'completed');
    metrics.messageProcessed('initech', 'email', 'retried');
    metrics.messageDuration('acme', 'email', 1);
    metrics.messageDuration('globex', 'email', 2);
    metrics.messageLag('acme', 'email', 1);
    metrics.poll('acme', 'empty', 0.01);
    metrics.poll('globex', 'empty', 0.01);

    const samples = await scrape(metrics.registry);
    expect(samples.filter((s) => s.name.startsWith('tqw_') && 'tenant' in s.labels)).toEqual([]);
    expect(valueOf(samples, 'tqw_messages_processed_total', { type: 'email', outcome: 'completed' })).toBe(2);
    expect(valueOf(samples, 'tqw_messages_processed_total', { type: 'email', outcome: 'retried' })).toBe(1);
    expect(valueOf(samples, 'tqw_message_duration_seconds_count', { type: 'email' })).toBe(2);
    expect(valueOf(samples, 'tqw_message_duration_seconds_sum', { type: 'email' })).toBe(3);
    expect(valueOf(samples, 'tqw_message_lag_seconds_count', { type: 'email' })).toBe(1);
    expect(valueOf(samples, 'tqw_polls_total', { result: 'empty' })).toBe(2);
    expect(valueOf(samples, 'tqw_poll_duration_seconds_count')).toBe(2);
  });

  it('sums the gauges over tenants: up tenants counted, depth per status, in-flight total', async () => {
    const { state, source } = mutableSource([
      { id: 'a', up: true, inflight: 2, depth: { Pending: 5, Processing: 2, Failed: 0, DeadLetter: 1 } },
      { id: 'b', up: false, inflight: 0, depth: { Pending: 7, Processing: 0, Failed: 3, DeadLetter: 0 } },
      { id: 'c', up: true, inflight: 4 }, // depth unknown: contributes nothing
    ]);
    const metrics = create({ source, tenantLabel: false });

    let samples = await scrape(metrics.registry);
    expect(samples.filter((s) => s.name.startsWith('tqw_') && 'tenant' in s.labels)).toEqual([]);
    expect(valueOf(samples, 'tqw_tenant_up')).toBe(2);
    expect(valueOf(samples, 'tqw_tenants')).toBe(3);
    expect(valueOf(samples, 'tqw_inflight_messages')).toBe(6);
    expect(valueOf(samples, 'tqw_queue_depth', { status: 'Pending' })).toBe(12);
    expect(valueOf(samples, 'tqw_queue_depth', { status: 'Processing' })).toBe(2);
    expect(valueOf(samples, 'tqw_queue_depth', { status: 'Failed' })).toBe(3);
    expect(valueOf(samples, 'tqw_queue_depth', { status: 'DeadLetter' })).toBe(1);

    state.tenants = [];
    samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_tenant_up')).toBe(0);
    expect(valueOf(samples, 'tqw_inflight_messages')).toBe(0);
    expect(find(samples, 'tqw_queue_depth')).toEqual([]);
  });

  it('removeTenant keeps the aggregated series (they hold the other tenants too)', async () => {
    const { source } = mutableSource();
    const metrics = create({ source, tenantLabel: false });
    metrics.messageProcessed('acme', 'email', 'completed');
    metrics.messageProcessed('globex', 'email', 'completed');
    metrics.removeTenant('acme');
    const samples = await scrape(metrics.registry);
    expect(valueOf(samples, 'tqw_messages_processed_total', { type: 'email', outcome: 'completed' })).toBe(2);
  });
});

describe('createMetrics registries', () => {
  it('includes the default process metrics unless disabled', async () => {
    const { source } = mutableSource();
    const withDefaults = createMetrics({ source });
    const samples = await scrape(withDefaults.registry);
    expect(find(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(find(samples, 'nodejs_heap_size_used_bytes')).toHaveLength(1);

    const without = createMetrics({ source, defaultMetrics: false });
    const bare = await scrape(without.registry);
    expect(bare.filter((s) => !s.name.startsWith('tqw_'))).toEqual([]);
  });

  it('gives each instance its own registry: two in one process neither collide nor share counts', async () => {
    const one = createMetrics({ source: mutableSource().source });
    const two = createMetrics({ source: mutableSource().source });
    expect(one.registry).not.toBe(two.registry);
    one.messageProcessed('acme', 'email', 'completed');

    const samplesOne = await scrape(one.registry);
    const samplesTwo = await scrape(two.registry);
    expect(valueOf(samplesOne, 'tqw_messages_processed_total', { tenant: 'acme', type: 'email', outcome: 'completed' })).toBe(1);
    expect(find(samplesTwo, 'tqw_messages_processed_total')).toEqual([]);
    expect(globalRegistry.getMetricsAsArray().filter((m) => m.name.startsWith('tqw_'))).toEqual([]);
  });

  it('registers into a registry that is passed in', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, source: mutableSource().source, defaultMetrics: false });
    expect(metrics.registry).toBe(registry);
    expect(registry.getSingleMetric('tqw_polls_total')).toBeDefined();
  });
});
