/**
 * README.md's "PostgreSQL you already run" and "SQL Server you already run", executed as written: the
 * shell blocks run in bash in a fresh project directory (node_modules/tenant-queue-worker is this
 * repository, linked as `npm install` would place it, with its .bin/tqw), the T-SQL blocks run as the
 * sysadmin of MSSQL_URL with sqlcmd's `$(VAR)` variables filled in. Only the database, tenant and login
 * names get a random suffix (they are server-wide and this server is shared by the run). The daemon's
 * block is started as its own process and stopped with SIGTERM. Then the privilege errors: tqw migrate
 * with the worker's login, and the worker without its table GRANT, name the missing GRANT and the section.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import mssql from 'mssql';
import { Client } from 'pg';
import { sqlServerConfig } from '../../src/store/sqlserver/connection-config';
import { mssqlUrl, withDatabase } from '../support/mssql';
import { childEnv } from '../support/hermetic-env';
import { pgAdminUrl } from '../support/postgres';
import { REPO_ROOT, freePort, httpGet, tempDir } from '../support/processes';
import { waitFor } from '../support/worker-fixtures';

const { readSection } = require('../../scripts/readme-sections') as { readSection(text: string, name: string): string };
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

interface Block {
  lang: 'sh' | 'sql';
  text: string;
}

/** The fenced sh and sql blocks of a README section, in order. */
function blocksOf(section: string): Block[] {
  return [...readSection(README, section).matchAll(/^```(sh|sql)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] as Block['lang'], text: m[2]! }));
}

/** The server-wide names of a section, made unique for this run. */
function renamer(names: readonly string[]): (text: string) => string {
  const suffix = randomBytes(3).toString('hex');
  return (text) => names.reduce((t, name) => t.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}_${suffix}`), text);
}

/** A project that installed the package: node_modules/tenant-queue-worker and node_modules/.bin/tqw. */
function project(): string {
  const dir = tempDir('byo');
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'tenant-queue-worker'), 'dir');
  symlinkSync(join('..', 'tenant-queue-worker', 'bin', 'tqw.js'), join(dir, 'node_modules', '.bin', 'tqw'));
  return dir;
}

/** The environment of the commands: ours without TQW_* and PG* (childEnv: they would override the copied config and the psql settings), plus `extra`. */
function commandEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return childEnv(extra);
}

function sh(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function okSh(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const r = sh(script, cwd, env);
  if (r.status !== 0) throw new Error(`README block failed (exit ${r.status}):\n${script}\n--- output ---\n${r.output}`);
  return r;
}

/** Starts the daemon block (`node .../tqw.js run ...`) as one process (exec: SIGTERM reaches node). */
function startDaemon(block: Block, cwd: string, env: NodeJS.ProcessEnv) {
  const line = block.text.trim();
  expect(line).toMatch(/^node node_modules\/tenant-queue-worker\/bin\/tqw\.js run /);
  const child = spawn('bash', ['-c', `exec ${line}`], { cwd, env });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, log: () => log };
}

async function ready(port: number, daemon: ReturnType<typeof startDaemon>): Promise<void> {
  await waitFor(async () => (await httpGet(port, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
    what: `the README's tqw run ready (log: ${daemon.log().slice(-1500)})`,
  });
}

const running: Array<ReturnType<typeof startDaemon>> = [];
afterAll(() => {
  for (const d of running) if (d.child.exitCode === null) d.child.kill('SIGKILL');
});

describe('README: PostgreSQL you already run', () => {
  const rename = renamer(['shop', 'tqw_admin', 'tqw_worker']);
  const blocks = blocksOf('byo-postgres').map((b) => ({ ...b, text: rename(b.text) }));
  const [db, admin, worker] = ['shop', 'tqw_admin', 'tqw_worker'].map(rename) as [string, string, string];
  const passwords = { TQW_ADMIN_PASSWORD: `adm${randomBytes(8).toString('hex')}`, TQW_WORKER_PASSWORD: `wrk${randomBytes(8).toString('hex')}` };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let port: number;

  beforeAll(async () => {
    dir = project();
    port = await freePort();
    const url = new URL(pgAdminUrl());
    env = commandEnv({
      PGHOST: url.hostname,
      PGPORT: url.port,
      PGUSER: decodeURIComponent(url.username),
      PGPASSWORD: decodeURIComponent(url.password),
      ...passwords,
      // The example config's port is 9464; this machine runs other workers: the one override.
      TQW_HTTP_PORT: String(port),
    });
  });

  afterAll(async () => {
    const c = new Client({ connectionString: pgAdminUrl() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS "${worker}"`);
    await c.query(`DROP ROLE IF EXISTS "${admin}"`);
    await c.end();
  });

  test('has the shell blocks the steps name: logins and rights, files, migrate + GRANT, the daemon, a message', () => {
    expect(blocks.map((b) => b.lang)).toEqual(['sh', 'sh', 'sh', 'sh', 'sh']);
    expect(blocks[3]!.text).toContain('tqw.js run');
  });

  test('the commands work as written: the worker login completes a message, a repeated migrate is up to date, SIGTERM exits 0', async () => {
    const [logins, files, migrate, run, message] = blocks as [Block, Block, Block, Block, Block];
    okSh(logins.text, dir, env);
    okSh(files.text, dir, env);

    // Before the admin migrates: the worker's own login may not create the table, and says which right is missing.
    const asWorker = sh('npx tqw migrate --config tqw/config.json', dir, env);
    expect(asWorker.status).toBe(1);
    expect(asWorker.stdout).toMatch(/FAILED: .*permission denied for schema public \(hint: .*tqw migrate` needs a login that owns public or has CREATE on it/);
    expect(asWorker.stdout).toContain('see README.md, section "PostgreSQL you already run"');

    const migrated = okSh(migrate.text, dir, env);
    expect(migrated.stdout).toMatch(new RegExp(`^${db}\\s+postgres\\s+migrated "QueueMessages"`, 'm'));
    expect(okSh(migrate.text.split('\n')[0]!, dir, env).stdout).toContain('1 tenant(s): 1 already up to date');

    const daemon = startDaemon(run, dir, env);
    running.push(daemon);
    await ready(port, daemon);
    const sent = okSh(message.text, dir, env);
    const id = sent.stdout.split('\n')[0]!.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.stdout).toMatch(new RegExp(`^TENANT\\s+PENDING\\s+PROCESSING\\s+FAILED\\s+DEAD_LETTER\\s+COMPLETED`, 'm'));
    const c = new Client({ connectionString: pgAdminUrl().replace(/\/[^/]*$/, `/${db}`) });
    await c.connect();
    try {
      await waitFor(async () => (await c.query('SELECT "Status" FROM "QueueMessages" WHERE "Id" = $1', [id])).rows[0]?.Status === 'Completed', {
        what: 'the README message completed',
      });
      // The worker runs as the worker login, which owns nothing and has no right on QueueMigrations.
      const rights = await c.query(
        `SELECT has_table_privilege($1, '"QueueMigrations"', 'SELECT') AS migrations, has_schema_privilege($1, 'public', 'CREATE') AS create_public`,
        [worker],
      );
      expect(rights.rows[0]).toEqual({ migrations: false, create_public: false });
    } finally {
      await c.end();
    }
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.log()).toContain('"msg":"hello"');
    for (const secret of Object.values(passwords)) expect(`${sent.output}${migrated.output}${daemon.log()}`).not.toContain(secret);
  });

  test('without its table GRANT the worker is refused with the GRANT to run: tqw enqueue, and /healthz of tqw run', async () => {
    const c = new Client({ connectionString: pgAdminUrl().replace(/\/[^/]*$/, `/${db}`) });
    await c.connect();
    try {
      await c.query(`REVOKE ALL ON "QueueMessages" FROM "${worker}"`);
      const refused = sh(`npx tqw enqueue --config tqw/config.json --tenant ${db} --type Hello --payload '{}'`, dir, env);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(
        /permission denied for table QueueMessages \(hint: the login lacks SELECT, INSERT, UPDATE, DELETE on QueueMessages: GRANT SELECT, INSERT, UPDATE, DELETE ON "QueueMessages" TO <worker login>; see README\.md, section "PostgreSQL you already run"\)/,
      );
      const daemon = startDaemon(blocks[3]!, dir, env);
      running.push(daemon);
      await ready(port, daemon);
      const health = await waitFor(async () => {
        const body = JSON.parse((await httpGet(port, '/healthz')).body) as { tenants: Array<{ state: string; lastError: string | null }> };
        return body.tenants[0]?.state === 'down' ? body.tenants[0] : undefined;
      }, { what: 'the tenant down for lack of its GRANT' });
      expect(health.lastError).toContain('GRANT SELECT, INSERT, UPDATE, DELETE ON "QueueMessages" TO <worker login>');
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
    } finally {
      await c.end();
    }
  });
});

const adminUrl = mssqlUrl();
(adminUrl ? describe : describe.skip)(`README: SQL Server you already run${adminUrl ? '' : ' (skipped: MSSQL_URL is not set)'}`, () => {
  const rename = renamer(['shop', 'tqw_admin', 'tqw_worker']);
  const blocks = blocksOf('byo-sqlserver').map((b) => ({ ...b, text: rename(b.text) }));
  const [db, admin, worker] = ['shop', 'tqw_admin', 'tqw_worker'].map(rename) as [string, string, string];
  const passwords = { TQW_ADMIN_PASSWORD: `Adm1!${randomBytes(8).toString('hex')}`, TQW_WORKER_PASSWORD: `Wrk1!${randomBytes(8).toString('hex')}` };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let port: number;

  /** A T-SQL block as `sqlcmd -v` runs it: $(VAR) replaced, in `database`, as the sysadmin. */
  async function tsql(block: Block, database: string | undefined): Promise<void> {
    const text = block.text.replace(/\$\(([A-Z_]+)\)/g, (_m, name: string) => passwords[name as keyof typeof passwords]);
    const url = database ? withDatabase(adminUrl!, database) : adminUrl!;
    const pool = new mssql.ConnectionPool(sqlServerConfig(url, 'MSSQL_URL'));
    await pool.connect();
    try {
      for (const statement of text.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) await pool.request().batch(statement);
    } finally {
      await pool.close();
    }
  }

  beforeAll(async () => {
    dir = project();
    port = await freePort();
    const server = sqlServerConfig(adminUrl!, 'MSSQL_URL');
    env = commandEnv({ SQLSERVER_HOST: `${server.server},${server.port ?? 1433}`, ...passwords, TQW_HTTP_PORT: String(port) });
  });

  afterAll(async () => {
    const pool = new mssql.ConnectionPool(sqlServerConfig(adminUrl!, 'MSSQL_URL'));
    await pool.connect();
    try {
      await pool.request().batch(`IF DB_ID(N'${db}') IS NOT NULL DROP DATABASE [${db}]`).catch(() => undefined);
      for (const login of [worker, admin]) {
        await pool.request().batch(`IF SUSER_ID(N'${login}') IS NOT NULL DROP LOGIN [${login}]`).catch(() => undefined);
      }
    } finally {
      await pool.close();
    }
  });

  test('the statements and commands work as written: migrate with the admin, the worker login completes a message', async () => {
    const [logins, users, files, grant, run, message] = blocks as [Block, Block, Block, Block, Block, Block];
    expect(blocks.map((b) => b.lang)).toEqual(['sql', 'sql', 'sh', 'sql', 'sh', 'sh']);
    await tsql(logins, undefined);
    await tsql(users, db);
    const migrated = okSh(files.text, dir, env);
    expect(migrated.stdout).toMatch(new RegExp(`^${db}\\s+sqlserver\\s+migrated`, 'm'));

    // Before its GRANT the worker is refused, with the GRANT to run.
    const refused = sh(`npx tqw enqueue --config tqw/config.json --tenant ${db} --type Hello --payload '{}'`, dir, env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/\(hint: .*GRANT .*QueueMessages.*see README\.md, section "SQL Server you already run"\)/i);

    await tsql(grant, db);
    const daemon = startDaemon(run, dir, env);
    running.push(daemon);
    await ready(port, daemon);
    const sent = okSh(message.text, dir, env);
    const id = sent.stdout.split('\n')[0]!.trim();
    await waitFor(async () => {
      const stats = sh(`npx tqw stats --config tqw/config.json --tenant ${db} --json`, dir, env);
      return (JSON.parse(stats.stdout) as { tenants: Array<{ counts?: Record<string, number> }> }).tenants[0]?.counts?.Completed === 1;
    }, { what: `the README message ${id} completed on SQL Server` });
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    for (const secret of Object.values(passwords)) expect(`${sent.output}${migrated.output}${daemon.log()}`).not.toContain(secret);
    // Several logins and processes, each a new session: Babelfish compiles each statement's first run per session.
  }, 240_000);
});
