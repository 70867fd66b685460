/**
 * The tests do not read the environment that runs them: Jest is run again, as a child process, on the
 * PostgreSQL admin CLI suite (tqw child processes) and on test/unit/hermetic-env.test.ts (in process)
 * with an environment that names someone else's tenants and config (TQW_TENANTS_FILE, TQW_CONFIG,
 * TQW_* values, PG* defaults, EXAMPLE_*). Both suites must pass as they do in a clean environment, and
 * the bystander tenant's database must be left as it was (no QueueMessages table: nothing migrated it).
 */
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, pgAdminUrl, type TestDatabase } from '../support/postgres';
import { childEnv } from '../support/hermetic-env';
import { REPO_ROOT, tempDir, writeJson } from '../support/processes';
import { sql } from '../support/worker-fixtures';

const SUITES = ['test/cli/cli-admin-postgres.test.ts', 'test/unit/hermetic-env.test.ts'];
/** Compiling and running both suites in a child Jest (their own timeouts are 60 s per test). */
const NESTED_RUN_TIMEOUT_MS = 240_000;

interface JestJson {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
  testResults: Array<{ name: string; status: string; message: string }>;
}

let bystander: TestDatabase;
beforeAll(async () => {
  bystander = await createTestDatabase('bystander');
});
afterAll(async () => {
  await bystander?.drop();
});

function runJest(env: NodeJS.ProcessEnv, outputFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    const args = [
      join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--runInBand',
      '--ci',
      '--json',
      `--outputFile=${outputFile}`,
      ...SUITES,
    ];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), NESTED_RUN_TIMEOUT_MS - 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

test(
  'with TQW_TENANTS_FILE, TQW_CONFIG, TQW_*, PG* and EXAMPLE_* exported, the admin CLI suite passes and migrates none of those tenants',
  async () => {
    const dir = tempDir('ambient-env');
    const tenantsFile = writeJson(join(dir, 'tenants.json'), [{ id: 'bystander', connectionString: bystander.url }]);
    const configFile = writeJson(join(dir, 'config.json'), { tenants: { file: tenantsFile, watch: false }, worker: { concurrency: 1 } });
    const poisoned: NodeJS.ProcessEnv = {
      TQW_TENANTS_FILE: tenantsFile,
      TQW_CONFIG: configFile,
      TQW_CONCURRENCY: '7',
      TQW_LOG_LEVEL: 'silent',
      PGHOST: '192.0.2.1',
      PGPASSWORD: 'not-the-password',
      PGDATABASE: bystander.name,
      EXAMPLE_EMAIL_FAILURE_RATE: '1',
    };
    const outputFile = join(dir, 'jest.json');
    // The child Jest uses this run's PostgreSQL server (PG_URL) instead of starting one of its own.
    const run = await runJest({ ...childEnv({ PG_URL: pgAdminUrl(), JEST_MAX_WORKERS: '1' }), ...poisoned }, outputFile);
    let report: JestJson | undefined;
    try {
      report = JSON.parse(readFileSync(outputFile, 'utf8')) as JestJson;
    } catch {
      throw new Error(`the child Jest wrote no report (exit ${run.code}):\n${run.output.slice(-4000)}`);
    }
    const failures = report.testResults.filter((r) => r.status !== 'passed').map((r) => `${r.name}\n${r.message}`);
    expect(failures).toEqual([]);
    expect(report).toMatchObject({ success: true, numFailedTests: 0, numPendingTests: 0, numRuntimeErrorTestSuites: 0 });
    expect(report.testResults.map((r) => r.name.slice(REPO_ROOT.length + 1)).sort()).toEqual([...SUITES].sort());
    expect(report.numPassedTests).toBeGreaterThan(10);
    expect(run.code).toBe(0);

    // Nothing ran against the tenants the environment named.
    const tables = await sql<{ n: number }>(
      bystander.url,
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'QueueMessages'`,
    );
    expect(tables[0]!.n).toBe(0);
  },
  NESTED_RUN_TIMEOUT_MS,
);
