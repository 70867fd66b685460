/**
 * End to end: `tqw migrate`, `tqw enqueue` and `tqw run` as child processes with the example handlers,
 * against two real PostgreSQL tenant databases (one using a schema), and, when MSSQL_URL is set, a
 * PostgreSQL and a SQL Server tenant in one daemon.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseConnectionString } from '../../src/tenants/connection-string';
import { createTestMssqlDatabase, mssqlUrl, withSqlServerPool, type TestMssqlDatabase } from '../support/mssql';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { DaemonProcess, REPO_ROOT, freePort, httpGet, runCli, tempDir, writeJson } from '../support/processes';
import { sql, waitFor } from '../support/worker-fixtures';

const MESSAGES_PER_TENANT = 3;
const PRODUCTS_POSTGRES = readFileSync(join(REPO_ROOT, 'examples', 'sql', 'products.postgres.sql'), 'utf8');
const PRODUCTS_SQLSERVER = readFileSync(join(REPO_ROOT, 'examples', 'sql', 'products.sqlserver.sql'), 'utf8');

/** One tenant of the run: its tenants-file entry and how to read its database. */
interface E2eTenant {
  entry: { id: string; connectionString: string; schema?: string };
  /** Creates the example handler's Products table (after `tqw migrate`). */
  createProducts(): Promise<void>;
  completed(): Promise<number>;
  productNames(): Promise<string[]>;
}

function pgTenant(id: string, db: TestDatabase, schema?: string, connectionString = db.url): E2eTenant {
  const table = (name: string) => (schema ? `${schema}."${name}"` : `"${name}"`);
  return {
    entry: schema ? { id, connectionString, schema } : { id, connectionString },
    createProducts: () =>
      sql(db.url, schema ? `SET search_path TO ${schema}; ${PRODUCTS_POSTGRES}` : PRODUCTS_POSTGRES).then(() => undefined),
    completed: async () =>
      (await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${table('QueueMessages')} WHERE "Status" = 'Completed'`))[0]!.n,
    productNames: async () =>
      (await sql<{ Name: string }>(db.url, `SELECT "Name" FROM ${table('Products')} ORDER BY "Name"`)).map((r) => r.Name),
  };
}

function sqlServerTenant(id: string, db: TestMssqlDatabase): E2eTenant {
  const query = <T>(text: string) =>
    withSqlServerPool(db.connectionString, id, 1, async (pool) => (await pool.request().query<T>(text)).recordset);
  return {
    entry: { id, connectionString: db.connectionString },
    createProducts: () =>
      withSqlServerPool(db.connectionString, id, 1, (pool) => pool.request().batch(PRODUCTS_SQLSERVER)).then(() => undefined),
    completed: async () => (await query<{ n: number }>(`SELECT COUNT(*) AS n FROM dbo.QueueMessages WHERE Status = N'Completed'`))[0]!.n,
    productNames: async () => (await query<{ Name: string }>(`SELECT Name FROM dbo.Products ORDER BY Name`)).map((r) => r.Name),
  };
}

const daemons: DaemonProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const d of daemons) if (d.child.exitCode === null) d.kill('SIGKILL');
  await Promise.all(cleanups.map((c) => c()));
});

/**
 * migrate, Products tables, `tqw run`, MESSAGES_PER_TENANT ProductUpdate messages per tenant with
 * `tqw enqueue`; then every message Completed and its write in that tenant's Products, per-tenant
 * metrics and health, message log lines with tenant, id and type, no secret in any line, and a drain
 * with exit 0 on SIGTERM.
 */
async function runScenario(tenants: E2eTenant[], env: NodeJS.ProcessEnv, secrets: string[]): Promise<void> {
  const dir = tempDir('e2e');
  const tenantsFile = writeJson(
    join(dir, 'tenants.json'),
    tenants.map((t) => t.entry),
  );
  const port = await freePort();
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenantsFile },
    handlers: { dir: join(REPO_ROOT, 'examples', 'handlers') },
    http: { host: '127.0.0.1', port },
    worker: { concurrency: 4, pollMinMs: 20, pollMaxMs: 200 },
    log: { level: 'info' },
  });

  const migrate = await runCli(['migrate', '--config', configFile], env);
  expect(migrate.stderr).toBe('');
  expect(migrate.code).toBe(0);
  expect(migrate.stdout).toContain(`${tenants.length} tenant(s): ${tenants.length} migrated`);
  for (const t of tenants) await t.createProducts();

  const daemon = new DaemonProcess(['--config', configFile], env);
  daemons.push(daemon);
  await waitFor(async () => (await httpGet(port, '/readyz').catch(() => ({ status: 0 }))).status === 200, { what: '/readyz 200' });

  for (const { entry } of tenants) {
    for (let i = 0; i < MESSAGES_PER_TENANT; i++) {
      const productId = `00000000-0000-4000-8000-00000000000${i}`;
      const r = await runCli(
        [
          'enqueue',
          '--config',
          configFile,
          '--tenant',
          entry.id,
          '--type',
          'ProductUpdate',
          '--payload',
          JSON.stringify({ productId, newName: `${entry.id} product ${i}` }),
        ],
        env,
      );
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    }
  }

  await waitFor(async () => (await Promise.all(tenants.map((t) => t.completed()))).every((n) => n === MESSAGES_PER_TENANT), {
    what: `all ${tenants.length * MESSAGES_PER_TENANT} messages Completed`,
  });
  // The handler's writes landed in each tenant's own Products table.
  for (const t of tenants) {
    expect(await t.productNames()).toEqual(Array.from({ length: MESSAGES_PER_TENANT }, (_, i) => `${t.entry.id} product ${i}`));
  }

  const metrics = await httpGet(port, '/metrics');
  for (const { entry } of tenants) {
    expect(metrics.body).toMatch(
      new RegExp(
        `tqw_messages_processed_total\\{[^}]*tenant="${entry.id}"[^}]*type="ProductUpdate"[^}]*outcome="completed"[^}]*\\} ${MESSAGES_PER_TENANT}\\b`,
      ),
    );
  }
  const healthz = await httpGet(port, '/healthz');
  const health = JSON.parse(healthz.body) as { tenants: Array<{ id: string; state: string }> };
  expect(health.tenants.map((t) => [t.id, t.state]).sort()).toEqual(tenants.map((t) => [t.entry.id, 'up']).sort());

  // Every line about a message carries tenant, message id and type; no line or response carries a password.
  const completedLines = daemon.lines.filter((l) => l.msg === 'message completed');
  expect(completedLines).toHaveLength(tenants.length * MESSAGES_PER_TENANT);
  for (const l of completedLines) {
    expect(l).toEqual(expect.objectContaining({ tenant: expect.any(String), messageId: expect.any(String), type: 'ProductUpdate' }));
  }
  const everything = [daemon.raw.join('\n'), daemon.stderr, metrics.body, healthz.body, migrate.stdout].join('\n');
  for (const secret of secrets) expect(everything).not.toContain(secret);

  daemon.kill('SIGTERM');
  const exit = await daemon.exited;
  expect(exit.code).toBe(0);
}

test('tqw run completes messages enqueued with tqw enqueue in two tenant databases, then drains on SIGTERM', async () => {
  const [dbA, dbB] = await Promise.all([createTestDatabase('e2e_a'), createTestDatabase('e2e_b')]);
  cleanups.push(
    () => dbA.drop(),
    () => dbB.drop(),
  );
  // Tenant a's password comes from the environment (${VAR} in the tenants file).
  const passwordA = new URL(dbA.url).password;
  const urlA = new URL(dbA.url);
  urlA.password = '${TENANT_A_PASSWORD}';
  await runScenario(
    [pgTenant('tenant-a', dbA, undefined, decodeURIComponent(urlA.toString())), pgTenant('tenant-b', dbB, 'tenant_b')],
    { TENANT_A_PASSWORD: passwordA },
    [passwordA],
  );
});

(mssqlUrl() ? test : test.skip)(
  `tqw run completes messages of a PostgreSQL and a SQL Server tenant in one daemon${mssqlUrl() ? '' : ' (skipped: MSSQL_URL is not set)'}`,
  async () => {
    const [pg, ms] = await Promise.all([createTestDatabase('e2e_pg'), createTestMssqlDatabase('e2e_ms')]);
    cleanups.push(
      () => pg.drop(),
      () => ms.drop(),
    );
    const secrets = [new URL(pg.url).password, parseConnectionString(ms.connectionString).password].filter((s): s is string => !!s);
    await runScenario([pgTenant('pg-tenant', pg), sqlServerTenant('mssql-tenant', ms)], {}, secrets);
  },
  120_000,
);
