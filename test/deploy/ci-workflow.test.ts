/**
 * .github/workflows/ci.yml: runs the README's test command on Node LTS next to a healthy SQL Server whose
 * address MSSQL_URL gives (the application's own parser reads it), builds the image, validates the compose
 * file, and runs the compose demo end to end.
 */
import { parseConnectionString } from '../../src/tenants/connection-string';
import { readJson, readYaml } from './support/repo';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[]; options?: string }>;
  env?: Record<string, string>;
  steps: Step[];
}
const workflow = readYaml<{ on: Record<string, unknown>; jobs: Record<string, Job> }>('.github/workflows/ci.yml');
const runs = (job: Job): string[] => job.steps.flatMap((s) => (s.run ? s.run.split('\n').map((l) => l.trim()) : []));
const uses = (job: Job, action: string): Step | undefined => job.steps.find((s) => s.uses?.startsWith(`${action}@`));

describe('.github/workflows/ci.yml', () => {
  test('runs on every push and pull request', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  const testJob = workflow.jobs.test!;

  test('the test job: checkout, Node 24 (LTS), npm ci, then the test command package.json defines', () => {
    expect(testJob['runs-on']).toBe('ubuntu-latest');
    expect(uses(testJob, 'actions/checkout')).toBeDefined();
    expect(uses(testJob, 'actions/setup-node')?.with?.['node-version']).toBe(24);
    const commands = runs(testJob);
    expect(commands.indexOf('npm ci')).toBeGreaterThanOrEqual(0);
    expect(commands.indexOf('npm ci')).toBeLessThan(commands.indexOf('npm test'));
    expect(readJson<{ scripts: Record<string, string> }>('package.json').scripts.test).toBeDefined();
  });

  test('a SQL Server 2022 service container with a health check gates the tests', () => {
    const mssql = testJob.services?.mssql;
    expect(mssql?.image).toBe('mcr.microsoft.com/mssql/server:2022-latest');
    expect(mssql?.env?.ACCEPT_EULA).toBe('Y');
    expect(mssql?.ports).toEqual(['1433:1433']);
    expect(mssql?.options).toMatch(/--health-cmd "\/opt\/mssql-tools18\/bin\/sqlcmd -C [^"]*SELECT 1/);
    expect(mssql?.options).toMatch(/--health-retries \d+/);
  });

  test('MSSQL_URL reaches that container as sa with its password (the SQL Server suites run)', () => {
    const url = testJob.env?.MSSQL_URL;
    expect(url).toBeDefined();
    const parsed = parseConnectionString(url!);
    expect({ dialect: parsed.dialect, host: parsed.host, port: parsed.port, user: parsed.user, password: parsed.password }).toEqual({
      dialect: 'sqlserver',
      host: 'localhost',
      port: 1433,
      user: 'sa',
      password: testJob.services?.mssql?.env?.MSSQL_SA_PASSWORD,
    });
    expect(parsed.options).toEqual(expect.objectContaining({ encrypt: 'true', trustServerCertificate: 'true' }));
  });

  test('installs promtool so the Prometheus checks run instead of being skipped', () => {
    expect(runs(testJob).join('\n')).toMatch(/apt-get install[^\n]*\bprometheus\b/);
  });

  test('the image job builds the Dockerfile without pushing and validates the compose file', () => {
    const image = workflow.jobs.image!;
    const build = uses(image, 'docker/build-push-action');
    expect(build?.with).toEqual(expect.objectContaining({ context: '.', push: false }));
    expect(runs(image)).toContain('docker compose config -q');
  });

  test('the bench-sqlserver job runs the tqw latency and drain scenarios with MSSQL_URL set to its own healthy SQL Server', () => {
    const bench = workflow.jobs['bench-sqlserver']!;
    expect(bench.services?.mssql?.image).toBe('mcr.microsoft.com/mssql/server:2022-latest');
    expect(bench.services?.mssql?.options).toMatch(/--health-cmd "\/opt\/mssql-tools18\/bin\/sqlcmd -C [^"]*SELECT 1/);
    expect(parseConnectionString(bench.env!.MSSQL_URL!).password).toBe(bench.services?.mssql?.env?.MSSQL_SA_PASSWORD);
    const commands = runs(bench);
    expect(commands.indexOf('npm ci')).toBeGreaterThanOrEqual(0);
    const run = commands.find((c) => c.startsWith('npm run bench -- '));
    expect(commands.indexOf('npm ci')).toBeLessThan(commands.indexOf(run!));
    // The scenarios it names exist, and the SQL Server latency rows are among the targets it prints.
    const scenarios = /--scenario (\S+)/.exec(run!)![1]!.split(',');
    const { SCENARIO_IDS } = require('../../bench/lib/options') as { SCENARIO_IDS: string[] };
    expect(scenarios.every((id) => SCENARIO_IDS.includes(id))).toBe(true);
    expect(scenarios).toContain('latency');
    const { TARGETS } = require('../../bench/lib/targets') as { TARGETS: Array<{ text: string }> };
    expect(TARGETS.filter((t) => t.text.startsWith('Pickup latency on SQL Server'))).toHaveLength(2);
  });

  test('the compose-demo job brings the demo up with the README command and tears it down', () => {
    const demo = workflow.jobs['compose-demo']!;
    expect(runs(demo)[0]).toMatch(/^docker compose up --build\b/);
    expect(runs(demo)).toContain('docker compose down --volumes --remove-orphans');
  });
});
