/**
 * docker/grafana: the provisioned data source is the compose Prometheus, the dashboard JSON parses, every
 * panel uses that data source, every query is valid PromQL (the real Prometheus parser, through
 * `promtool check rules`) that selects only tqw_* metrics the application exports (or process_* ones) with
 * label values it really uses, and the dashboard covers what the issue asks for, per tenant.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { metricNames } from './support/promql';
import { readJson, readYaml } from './support/repo';
import { promtool, runTool } from './support/tools';
import { DOCUMENTED_TQW_METRICS, baseName, exportedMetrics, labelProblems, type ExportedMetrics } from './support/tqw-metrics';

interface Target {
  expr: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; datasource?: { uid: string }; query: { query: string } | string }> };
}

const dashboard = readJson<Dashboard>('docker/grafana/dashboards/tqw.json');
const datasources = readYaml<{ datasources: Array<{ uid: string; type: string; url: string; isDefault?: boolean }> }>(
  'docker/grafana/provisioning/datasources/prometheus.yml',
).datasources;
const panels: Panel[] = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = panels.filter((p) => p.type !== 'row');
const exprs: Array<{ panel: string; expr: string }> = queryPanels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);
const variableQueries = dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : v.query.query));

/** Grafana's variables replaced by values Prometheus accepts, so the real parser can read the queries. */
function asPlainPromql(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$(tenant|job)\b/g, '.*');
}

let exported: ExportedMetrics;
beforeAll(async () => {
  exported = await exportedMetrics();
});

describe('docker/grafana', () => {
  test('provisions the compose Prometheus as the default data source', () => {
    expect(datasources).toEqual([
      expect.objectContaining({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090', isDefault: true }),
    ]);
    const compose = readYaml<{ services: { prometheus: { ports: string[] } } }>('docker-compose.yml');
    expect(compose.services.prometheus.ports.some((p) => p.endsWith(':9090'))).toBe(true);
  });

  test('the dashboard JSON parses and every panel and variable queries the provisioned data source', () => {
    expect(dashboard.uid).toBe('tqw');
    expect(queryPanels.length).toBeGreaterThanOrEqual(10);
    const uid = datasources[0]!.uid;
    const wrong = queryPanels
      .filter((p) => p.datasource?.uid !== uid || (p.targets ?? []).some((t) => t.datasource?.uid !== uid))
      .map((p) => p.title);
    expect(wrong).toEqual([]);
    expect(dashboard.templating.list.filter((v) => v.datasource?.uid !== uid).map((v) => v.name)).toEqual([]);
    expect(exprs.every((e) => e.expr.trim() !== '')).toBe(true);
  });

  test('panel ids are unique (Grafana keys panel state by id)', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('every query selects only tqw_* metrics the application exports and the issue documents, or process_* ones', () => {
    const problems = exprs.flatMap(({ panel, expr }) => {
      const names = metricNames(expr);
      if (names.length === 0) return [`${panel}: selects no metric: ${expr}`];
      return names
        .filter(
          (name) =>
            !exported.names.has(name) ||
            !(name.startsWith('process_') || (DOCUMENTED_TQW_METRICS as readonly string[]).includes(baseName(name))),
        )
        .map((name) => `${panel}: ${name}`);
    });
    expect(problems).toEqual([]);
    for (const query of variableQueries) {
      const metric = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(query)?.[1];
      expect({ query, exported: metric !== undefined && exported.names.has(metric) }).toEqual({ query, exported: true });
    }
  });

  test('every label value a query matches on is one the application exports', () => {
    expect(
      labelProblems(
        exprs.map((e) => e.expr),
        exported,
      ),
    ).toEqual([]);
  });

  const promqlCheck = promtool
    ? 'every query is valid PromQL for the real Prometheus parser (promtool check rules)'
    : 'every query is valid PromQL (skipped: promtool is not installed; apt-get install prometheus)';
  (promtool ? test : test.skip)(promqlCheck, () => {
    const rules = exprs.map(({ expr }, i) => ({ record: `tqw_dashboard:query_${i}`, expr: asPlainPromql(expr) }));
    const dir = mkdtempSync(join(tmpdir(), 'tqw-dashboard-promql-'));
    writeFileSync(join(dir, 'dashboard-queries.yml'), dump({ groups: [{ name: 'dashboard', rules }] }));
    const result = runTool(promtool!, ['check', 'rules', 'dashboard-queries.yml'], { cwd: dir });
    expect({ status: result.status, output: result.output }).toEqual({
      status: 0,
      output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`),
    });
  });

  test('covers throughput, failures, dead letters, lag, queue depth and tenant up, each per tenant', () => {
    const perTenant = exprs.filter((e) => /by \([^)]*\btenant\b/.test(e.expr)).map((e) => e.expr);
    const has = (pattern: RegExp) => perTenant.some((expr) => pattern.test(expr));
    expect({
      throughput: has(/tqw_messages_processed_total\{[^}]*outcome="completed"/),
      failures: has(/tqw_messages_processed_total\{[^}]*outcome=~"[^"]*retried/),
      deadLetters: has(/tqw_queue_depth\{[^}]*status="DeadLetter"/),
      lag: has(/histogram_quantile\(0\.95, [^]*tqw_message_lag_seconds_bucket/),
      queueDepth: has(/tqw_queue_depth\{[^}]*status=~"Pending/),
      tenantUp: has(/tqw_tenant_up/),
    }).toEqual({ throughput: true, failures: true, deadLetters: true, lag: true, queueDepth: true, tenantUp: true });
    // A tenant selector, so one tenant can be looked at alone.
    expect(dashboard.templating.list.map((v) => v.name)).toContain('tenant');
    expect(
      exprs
        .filter((e) => e.expr.startsWith('tqw_') || e.expr.includes('tqw_'))
        .every((e) => e.expr.includes('tenant=~"$tenant"') || e.expr.includes('tqw_config_reloads_total')),
    ).toBe(true);
  });
});
