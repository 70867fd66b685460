/**
 * What tqw really exports, to check dashboards and alerts against: one sample of every tqw_* series kind,
 * produced by the application's own metrics module (src/metrics/metrics.ts) fed with one tenant that has seen
 * every outcome, poll result, depth status and reload result, plus prom-client's default process_* metrics.
 */
import { createMetrics } from '../../../src/metrics/metrics';
import { parseSamples, type Sample } from '../../unit/metrics-prom-text';
import { matchers } from './promql';

/** The metric names the issue documents (the contract dashboards and alerts may rely on). */
export const DOCUMENTED_TQW_METRICS = [
  'tqw_messages_processed_total',
  'tqw_message_duration_seconds',
  'tqw_message_lag_seconds',
  'tqw_polls_total',
  'tqw_poll_duration_seconds',
  'tqw_queue_depth',
  'tqw_inflight_messages',
  'tqw_tenant_up',
  'tqw_config_reloads_total',
] as const;

export interface ExportedMetrics {
  /** Sample names as scraped (histograms as _bucket, _sum and _count). */
  names: Set<string>;
  samples: Sample[];
}

export async function exportedMetrics(): Promise<ExportedMetrics> {
  const metrics = createMetrics({
    source: {
      tenants: () => [{ id: 'tenant_a', up: true, inflight: 1, depth: { Pending: 1, Processing: 1, Failed: 1, DeadLetter: 1 } }],
    },
  });
  for (const outcome of ['completed', 'retried', 'dead_lettered', 'snoozed'] as const) {
    metrics.messageProcessed('tenant_a', 'ProductUpdate', outcome);
  }
  metrics.messageDuration('tenant_a', 'ProductUpdate', 0.01);
  metrics.messageLag('tenant_a', 'ProductUpdate', 0.5);
  for (const result of ['hit', 'empty', 'error'] as const) metrics.poll('tenant_a', result, 0.002);
  metrics.configReload('success');
  metrics.configReload('failure');

  const samples = parseSamples(await metrics.registry.metrics());
  return { names: new Set(samples.map((s) => s.name)), samples };
}

/** The base name of a histogram/summary sample name (tqw_message_lag_seconds_bucket -> tqw_message_lag_seconds). */
export function baseName(sampleName: string): string {
  return sampleName.replace(/_(bucket|sum|count)$/, '');
}

/**
 * Label matchers (outcome="dead_lettered", status=~"Pending|Failed", ...) whose values no exported series has.
 * Target labels (job, instance) and Grafana variables ($tenant) are not tqw's to check.
 */
export function labelProblems(exprs: string[], metrics: ExportedMetrics): string[] {
  const problems: string[] = [];
  for (const expr of exprs) {
    for (const m of matchers(expr)) {
      if (['job', 'instance'].includes(m.label) || m.value.includes('$') || m.metric === 'up') continue;
      const values = m.op === '=' ? [m.value] : m.op === '=~' && /^[\w|]+$/.test(m.value) ? m.value.split('|') : [];
      for (const value of values) {
        const found = metrics.samples.some((s) => baseName(s.name) === baseName(m.metric) && s.labels[m.label] === value);
        if (!found) problems.push(`${m.metric}{${m.label}${m.op}"${m.value}"}: no exported series has ${m.label}="${value}"`);
      }
    }
  }
  return problems;
}
