/**
 * SQL Server for tests, only when MSSQL_URL is set (there is no SQL Server on this machine; CI runs
 * one as a service container). MSSQL_URL is any connection string the store accepts
 * (`mssql://sa:pw@127.0.0.1:1433/master?encrypt=true&trustServerCertificate=true`, or ADO) for a
 * login that may CREATE DATABASE. Every test file gets a fresh database: tqw_<random>, dropped
 * afterwards. Nothing here fakes SQL Server: without MSSQL_URL the suites are registered skipped.
 */
import { randomBytes } from 'node:crypto';
import mssql from 'mssql';
import { sqlServerConfig } from '../../src/store/sqlserver/connection-config';
import { quoteIdent } from '../../src/store/sqlserver/quote-table';
import { parseConnectionString, poolKeyOf } from '../../src/tenants/connection-string';
import { redactConnectionString } from '../../src/tenants/redact-connection-string';
import type { Tenant } from '../../src/tenants/types';

/** The SQL Server admin connection string of this run, or undefined when there is none. */
export function mssqlUrl(): string | undefined {
  const url = process.env.MSSQL_URL?.trim();
  return url ? url : undefined;
}

/** `describe` when MSSQL_URL is set, `describe.skip` otherwise (jest reports the tests as skipped). */
export const describeIfMssql: jest.Describe = mssqlUrl() ? describe : describe.skip;

/**
 * The server MSSQL_URL points at, as global-setup.mjs found it (mssql-server-kind.mjs):
 * 'babelfish' (Babelfish for PostgreSQL: T-SQL over TDS, table hints parsed and ignored),
 * 'sqlserver', 'unreachable' (asking failed: the suites fail on their own), or undefined without MSSQL_URL.
 */
export function mssqlServer(): 'babelfish' | 'sqlserver' | 'unreachable' | undefined {
  if (!mssqlUrl()) return undefined;
  const kind = process.env.TQW_TEST_MSSQL_SERVER;
  if (kind === 'babelfish' || kind === 'sqlserver' || kind === 'unreachable') return kind;
  throw new Error('MSSQL_URL is set but TQW_TEST_MSSQL_SERVER is not: run the tests through jest (its global setup asks the server)');
}

/** Whether MSSQL_URL is a Babelfish server. */
export function onBabelfish(): boolean {
  return mssqlServer() === 'babelfish';
}

/**
 * `it(name, fn)`, except on Babelfish, where the test is registered skipped with the reason in its
 * name: for tests that prove what only SQL Server does (READPAST skipping, lock escalation, the
 * row lock of a transaction as a lease where hints matter), which Babelfish ignores. Never counted
 * passed there; on SQL Server (and without MSSQL_URL, inside a skipped describe) it is a plain test.
 */
export function itUnlessBabelfish(reason: string, name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (onBabelfish()) it.skip(`${name} (skipped on Babelfish: ${reason})`, fn, timeout);
  else it(name, fn, timeout);
}

/** Why Babelfish cannot run a test that needs table hints: it parses them and ignores them. */
export const BABELFISH_IGNORES_HINTS = 'it parses table hints such as READPAST and UPDLOCK and ignores them';

/** The same server and login, another database (URL path or ADO Database=). */
export function withDatabase(connectionString: string, database: string): string {
  const text = connectionString.trim();
  if (/^(mssql|sqlserver):\/\//i.test(text)) {
    const url = new URL(text);
    const segments = url.pathname.split('/').filter((s) => s !== '');
    // mssql://host/instance/db keeps its instance; mssql://host/db or mssql://host gets the database.
    const instance = segments.length === 2 ? `${segments[0]}/` : '';
    url.pathname = `/${instance}${encodeURIComponent(database)}`;
    return url.toString();
  }
  const pairs = text.split(';').filter((pair) => !/^\s*(database|initial catalog)\s*=/i.test(pair) && pair.trim() !== '');
  return [...pairs, `Database=${database}`].join(';');
}

/** The same server and database, another SQL Server login (URL userinfo or ADO User Id/Password). */
export function withLogin(connectionString: string, user: string, password: string): string {
  const text = connectionString.trim();
  if (/^(mssql|sqlserver):\/\//i.test(text)) {
    const url = new URL(text);
    url.username = encodeURIComponent(user);
    url.password = encodeURIComponent(password);
    return url.toString();
  }
  const pairs = text.split(';').filter((pair) => !/^\s*(user id|uid|password|pwd)\s*=/i.test(pair) && pair.trim() !== '');
  return [...pairs, `User Id=${user}`, `Password={${password.replace(/}/g, '}}')}}`].join(';');
}

/** A tenant as the tenants module builds it from a SQL Server connection string. */
export function sqlServerTenant(tenantId: string, connectionString: string, schema: string | undefined): Tenant {
  return {
    id: tenantId,
    dialect: 'sqlserver',
    connectionString,
    schema,
    redactedConnection: redactConnectionString(connectionString),
    poolKey: poolKeyOf(parseConnectionString(connectionString)),
  };
}

export interface TestMssqlDatabase {
  name: string;
  /** MSSQL_URL pointed at this database. */
  connectionString: string;
  drop(): Promise<void>;
}

/** Runs `fn` with a small pool on `connectionString` (`label` names it in connection errors), closed afterwards. */
export async function withSqlServerPool<T>(
  connectionString: string,
  label: string,
  max: number,
  fn: (pool: mssql.ConnectionPool) => Promise<T>,
): Promise<T> {
  const pool = new mssql.ConnectionPool({ ...sqlServerConfig(connectionString, label), pool: { max, min: 0 } });
  pool.on('error', () => undefined);
  await pool.connect();
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

async function withAdmin<T>(fn: (pool: mssql.ConnectionPool) => Promise<T>): Promise<T> {
  const url = mssqlUrl();
  if (!url) throw new Error('MSSQL_URL is not set: SQL Server tests must be registered with describeIfMssql');
  return withSqlServerPool(url, 'MSSQL_URL', 1, fn);
}

/** Creates a fresh, uniquely named database on MSSQL_URL's server (one per test file). */
export async function createTestMssqlDatabase(prefix = 'tqw'): Promise<TestMssqlDatabase> {
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${randomBytes(5).toString('hex')}`;
  await withAdmin((pool) => pool.request().batch(`CREATE DATABASE ${quoteIdent(name)};`));
  return {
    name,
    connectionString: withDatabase(mssqlUrl()!, name),
    drop: () => dropMssqlDatabase(name),
  };
}

/** Drops a test database on MSSQL_URL's server if it exists (close the pools that use it first). */
export async function dropMssqlDatabase(name: string): Promise<void> {
  if (onBabelfish()) {
    await dropOnBabelfish(name);
    return;
  }
  // SINGLE_USER WITH ROLLBACK IMMEDIATE ends sessions a test left open, so DROP cannot block.
  await withAdmin((pool) =>
    pool
      .request()
      .batch(
        `IF DB_ID(${`N'${name}'`}) IS NOT NULL BEGIN ` +
          `ALTER DATABASE ${quoteIdent(name)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; ` +
          `DROP DATABASE ${quoteIdent(name)}; END`,
      ),
  );
}

/** How long a Babelfish DROP DATABASE waits for the sessions of pools closed just before to end. */
const BABELFISH_DROP_WAIT_MS = 10_000;

/**
 * Babelfish has no ALTER DATABASE ... SET SINGLE_USER and refuses DROP DATABASE while a session
 * uses the database; the tests close their pools before dropping, and those sessions end a moment
 * later, so the DROP is retried until they have.
 */
async function dropOnBabelfish(name: string): Promise<void> {
  const deadline = Date.now() + BABELFISH_DROP_WAIT_MS;
  for (;;) {
    try {
      await withAdmin((pool) => pool.request().batch(`IF DB_ID(N'${name}') IS NOT NULL DROP DATABASE ${quoteIdent(name)};`));
      return;
    } catch (err) {
      if (!/in use/i.test(String((err as Error).message)) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
