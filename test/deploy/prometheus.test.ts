/**
 * docker/prometheus: the config scrapes the compose worker on the application's port, the real `promtool`
 * (Debian's prometheus package) accepts the config and the rules and passes the rules' unit tests
 * (alerts.test.yml), and every alert selects only metrics and label values tqw really exports.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { metricNames } from './support/promql';
import { readYaml, repoFileExists, repoPath } from './support/repo';
import { promtool, runTool } from './support/tools';
import { exportedMetrics, labelProblems, type ExportedMetrics } from './support/tqw-metrics';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const config = readYaml<{
  rule_files: string[];
  scrape_configs: Array<{
    job_name: string;
    scrape_interval?: string;
    metrics_path?: string;
    static_configs: Array<{ targets: string[] }>;
  }>;
}>('docker/prometheus/prometheus.yml');
const rules = readYaml<{ groups: Array<{ name: string; rules: Rule[] }> }>('docker/prometheus/alerts.yml').groups.flatMap((g) => g.rules);
const compose = readYaml<{ services: Record<string, unknown> }>('docker-compose.yml');

const PROMTOOL_MISSING = '(skipped: promtool is not installed; apt-get install prometheus)';
const withPromtool = promtool ? test : test.skip;

let exported: ExportedMetrics;
beforeAll(async () => {
  exported = await exportedMetrics();
});

describe('docker/prometheus', () => {
  test("scrapes the compose worker every 5 s on the application's HTTP port, at /metrics", () => {
    const job = config.scrape_configs.find((c) => c.job_name === 'tqw');
    expect(job?.scrape_interval).toBe('5s');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = job!.static_configs.flatMap((s) => s.targets);
    expect(targets).toEqual([`worker:${CONFIG_SCHEMA.http.port.default}`]);
    expect(Object.keys(compose.services)).toContain('worker');
    expect(config.rule_files.filter((f) => !repoFileExists(`docker/prometheus/${f}`))).toEqual([]);
  });

  withPromtool(`promtool check config accepts prometheus.yml ${promtool ? '' : PROMTOOL_MISSING}`.trim(), () => {
    const result = runTool(promtool!, ['check', 'config', 'prometheus.yml'], { cwd: repoPath('docker/prometheus') });
    expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  withPromtool(`promtool check rules accepts alerts.yml ${promtool ? '' : PROMTOOL_MISSING}`.trim(), () => {
    const result = runTool(promtool!, ['check', 'rules', 'alerts.yml'], { cwd: repoPath('docker/prometheus') });
    expect({ status: result.status, output: result.output }).toEqual({
      status: 0,
      output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`),
    });
  });

  withPromtool(
    `promtool check rules rejects a rule with broken PromQL (so the checks above can fail) ${promtool ? '' : PROMTOOL_MISSING}`.trim(),
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tqw-rules-broken-'));
      writeFileSync(
        join(dir, 'broken.yml'),
        dump({ groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'sum by (tenant (tqw_tenant_up)' }] }] }),
      );
      const result = runTool(promtool!, ['check', 'rules', 'broken.yml'], { cwd: dir });
      expect(result.status).not.toBe(0);
    },
  );

  withPromtool(
    `promtool test rules: alerts.test.yml passes (the alerts fire when they should, once per tenant) ${promtool ? '' : PROMTOOL_MISSING}`.trim(),
    () => {
      const result = runTool(promtool!, ['test', 'rules', 'alerts.test.yml'], { cwd: repoPath('docker/prometheus') });
      expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    },
  );

  test('has the alerts the issue asks for: tenant down, dead letters growing, lag high', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['TqwTenantDown', 'TqwDeadLettersGrowing', 'TqwQueueLagHigh']));
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|warning)$/),
      });
      expect(rule.annotations?.summary).toBeTruthy();
    }
  });

  test('every alert selects only metrics tqw exports (or Prometheus itself: up)', () => {
    for (const rule of rules)
      expect({ alert: rule.alert, selects: metricNames(rule.expr).length > 0 }).toEqual({ alert: rule.alert, selects: true });
    const unknown = rules.flatMap((rule) =>
      metricNames(rule.expr)
        .filter((name) => name !== 'up' && !exported.names.has(name))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  test('every label value an alert matches on is one tqw exports', () => {
    expect(
      labelProblems(
        rules.map((r) => r.expr),
        exported,
      ),
    ).toEqual([]);
  });
});
