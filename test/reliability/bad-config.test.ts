/**
 * Bad configuration: `tqw run` must refuse to start, before claiming anything, with exit code 78
 * (EX_CONFIG) and ONE clear line on stderr naming what is wrong and where. Each case breaks one thing
 * in an otherwise valid setup whose tenant has Pending messages, so a process that started anyway
 * would claim them: afterwards every row is still Pending with 0 attempts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli, writeJson } from '../support/processes';
import { sharedServer } from './support/pg-servers';
import { HANDLERS_DIR, SCENARIO_WORKER, Scenario } from './support/scenario';
import { workload } from './support/seed';
import { writeFigures } from './support/figures';
import { query } from './support/sql';

const BAD_CONFIG_HANDLERS = join(HANDLERS_DIR, 'bad-config');
const INVALID_URL_PASSWORD = 'Inval1d-url-secret-pw';

let scenario: Scenario;
let seeded = 0;

beforeAll(async () => {
  scenario = await Scenario.create({ name: 'badconfig', tenants: [{ id: 'a', server: sharedServer() }], workers: 1 });
  scenario.secrets.addSecret(INVALID_URL_PASSWORD);
  seeded = (await scenario.seed('a', workload(50, scenario.rng, { extShare: 0.3, maxSleepMs: 0 }))).length;
}, 120_000);

afterAll(async () => {
  await scenario?.cleanup();
}, 60_000);

interface Case {
  name: string;
  /** What the one stderr line must say. */
  says: RegExp;
  /** Returns the config file to run with (and extra environment). */
  setup(dir: string): { config: string; env?: NodeJS.ProcessEnv };
}

/** A valid config pointing at the valid tenants file, with `patch` applied. */
function config(dir: string, name: string, patch: (c: Record<string, Record<string, unknown>>) => void = () => undefined): string {
  const c: Record<string, Record<string, unknown>> = {
    tenants: { file: scenario.tenantsFile, watch: false },
    handlers: { dir: HANDLERS_DIR },
    http: { host: '127.0.0.1', port: 0 },
    worker: { ...SCENARIO_WORKER },
  };
  patch(c);
  return writeJson(join(dir, `${name}.config.json`), c);
}

function tenantsFile(dir: string, name: string, content: unknown): string {
  const file = join(dir, `${name}.tenants.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const validEntry = () => ({ id: 'a', connectionString: scenario.tenant('a').workerUrl });

const CASES: Case[] = [
  {
    name: 'missing tenants file',
    says: /^tqw: tenants file \S*no-such-tenants\.json: .*(does not exist|no such file)/i,
    setup: (dir) => ({ config: config(dir, 'missing', (c) => (c.tenants!.file = join(dir, 'no-such-tenants.json'))) }),
  },
  {
    name: 'malformed tenants file',
    says: /^tqw: tenants file \S*malformed\.tenants\.json: not valid JSON/,
    setup: (dir) => ({
      config: config(dir, 'malformed', (c) => (c.tenants!.file = tenantsFile(dir, 'malformed', '[{"id": "a", "connectionString": '))),
    }),
  },
  {
    name: 'duplicate tenant ids',
    says: /^tqw: tenants file \S*: tenants\[1\] \(id 'a'\): duplicate id: tenants\[0\] \(id 'a'\) has the same id/,
    setup: (dir) => ({
      config: config(dir, 'duplicate', (c) => (c.tenants!.file = tenantsFile(dir, 'duplicate', [validEntry(), validEntry()]))),
    }),
  },
  {
    name: 'unknown config key',
    says: /^tqw: config error in \S*unknown-key\.config\.json: unknown key "worker\.concurency"/,
    setup: (dir) => ({ config: config(dir, 'unknown-key', (c) => (c.worker!.concurency = 4)) }),
  },
  {
    name: 'invalid config value',
    says: /^tqw: config error in environment variable TQW_CONCURRENCY.*worker\.concurrency/,
    setup: (dir) => ({ config: config(dir, 'bad-value'), env: { TQW_CONCURRENCY: '0' } }),
  },
  {
    name: 'malformed connection string',
    says: /^tqw: tenants file \S*: tenants\[0\] \(id 'a'\): connectionString is invalid: /,
    setup: (dir) => ({
      config: config(
        dir,
        'bad-url',
        (c) =>
          (c.tenants!.file = tenantsFile(dir, 'bad-url', [
            { id: 'a', connectionString: `postgres://tqw:${INVALID_URL_PASSWORD}@[::1/db` },
          ])),
      ),
    }),
  },
  {
    name: 'unset ${VAR}',
    says: /^tqw: tenants file \S*: tenants\[0\] \(id 'a'\): connectionString: environment variable TQW_REL_UNSET_VAR is not set/,
    setup: (dir) => ({
      config: config(
        dir,
        'unset-var',
        (c) =>
          (c.tenants!.file = tenantsFile(dir, 'unset-var', [
            { id: 'a', connectionString: 'postgres://u:${TQW_REL_UNSET_VAR}@127.0.0.1/x' },
          ])),
      ),
    }),
  },
  {
    name: 'handler module that throws on import',
    says: /^tqw: handler module \S*throws-on-import\/boom\.js threw while loading: reliability fixture: this module fails on import/,
    setup: (dir) => ({ config: config(dir, 'throws', (c) => (c.handlers!.dir = join(BAD_CONFIG_HANDLERS, 'throws-on-import'))) }),
  },
  {
    name: 'two handlers for one type',
    says: /^tqw: .*RecordTx.*(a-first\.js.*b-second\.js|b-second\.js.*a-first\.js)/,
    setup: (dir) => ({ config: config(dir, 'duplicate-type', (c) => (c.handlers!.dir = join(BAD_CONFIG_HANDLERS, 'duplicate-type'))) }),
  },
];

const results: Array<{ name: string; code: number | null; line: string; ms: number }> = [];

/** A stderr line for the report: run-specific directories shortened, long lines cut. */
function shorten(line: string): string {
  const text = line.split(scenario.dir).join('<dir>').split(`${REPO_ROOT}/`).join('');
  return text.length > 220 ? `${text.slice(0, 220)}...` : text;
}

test.each(CASES)('$name: exit 78, one clear line on stderr, nothing started', async ({ name, says, setup }) => {
  const { config: file, env } = setup(scenario.dir);
  const started = Date.now();
  // The CLI child inherits the test's environment (TQW_REL_UNSET_VAR is never set in it); TQW_CONCURRENCY is blanked.
  const result = await runCli(['run', '--config', file], { TQW_CONFIG: '', TQW_CONCURRENCY: '', ...env }, 30_000);
  scenario.secrets.add(`tqw run (${name}) stdout`, result.stdout);
  scenario.secrets.add(`tqw run (${name}) stderr`, result.stderr);
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  results.push({ name, code: result.code, line: lines[0] ?? '', ms: Date.now() - started });
  expect({ code: result.code, lines: lines.length }).toEqual({ code: 78, lines: 1 });
  expect(lines[0]).toMatch(says);
  expect(result.stdout).not.toMatch(/worker started/);
});

test('nothing was claimed: every seeded row is still Pending with 0 attempts', async () => {
  const [row] = await query<{ pending: string; touched: string }>(
    scenario.tenant('a').adminUrl,
    `SELECT count(*) FILTER (WHERE "Status" = 'Pending' AND "ProcessingAttempts" = 0 AND "DequeueTime" IS NULL) AS pending,
            count(*) FILTER (WHERE NOT ("Status" = 'Pending' AND "ProcessingAttempts" = 0)) AS touched
     FROM ${scenario.tenant('a').queueTable}`,
  );
  expect({ pending: Number(row!.pending), touched: Number(row!.touched) }).toEqual({ pending: seeded, touched: 0 });
  writeFigures({
    scenario: 'bad-config',
    title: 'Bad configuration',
    seed: scenario.rng.seed,
    secretsScan: scenario.secretFigures(),
    seconds: scenario.seconds,
    cases: results,
    proved: [
      ...results.map((r) => `${r.name}: exit ${r.code} in ${r.ms} ms, stderr "${shorten(r.line)}"`),
      `${seeded} Pending rows untouched (0 attempts) after all ${results.length} refused starts`,
    ],
  });
});

test('control: the same setup without a fault starts, claims and completes those rows', async () => {
  await scenario.startFleet();
  await scenario.waitSettled(60_000);
  const { report, exits } = await scenario.finish();
  expect(report.violations).toEqual([]);
  expect(report.figures.byStatus).toEqual({ Completed: seeded });
  expect(exits.map((e) => e.code)).toEqual([0]);
}, 90_000);

test('no password appears in stdout or stderr of the refused starts (nor of the control run)', () => {
  scenario.collectOutputs();
  expect(scenario.secrets.leaks()).toEqual([]);
  expect(scenario.secrets.scannedChars).toBeGreaterThan(0);
});
