/**
 * SQL Server tenants for the reliability scenarios (only with MSSQL_URL): databases and least-privilege
 * logins made by the compose demo's own setup (docker/init/setup-mssql.js running docker/mssql/*.sql, the
 * GRANTs docs/reliability.md documents), `tqw migrate` run as the administrator, plus the RecordTx
 * handler's table with its grant. Reads for the invariant checker, like probe.ts does for PostgreSQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import mssql from 'mssql';
import { quoteIdent } from '../../../src/store/sqlserver/quote-table';
import { parseConnectionString } from '../../../src/tenants/connection-string';
import type { MessageStatus } from '../../../src/store/types';
import { mssqlUrl, withDatabase, withLogin, withSqlServerPool } from '../../support/mssql';
import { loadMssqlSetupModule, type SetupOptions } from '../../support/mssql-setup-module';
import { REPO_ROOT, runCli, tempDir, writeJson } from '../../support/processes';
import type { TenantSnapshot } from './probe';
import type { SeedMessage } from './seed';

// The plain CommonJS setup the compose demo's init container runs.
const setup = loadMssqlSetupModule();

export interface MssqlTenant {
  id: string;
  database: string;
  /** Administrator connection string of the tenant database. */
  adminConnection: string;
  /** The worker login's connection string (what the tenants file gives `tqw run`). */
  workerConnection: string;
}

export interface MssqlCluster {
  tenants: MssqlTenant[];
  /** Passwords handed out (admin, worker, producer): scanned for in every output. */
  secrets: string[];
  drop(): Promise<void>;
}

function admin(): string {
  const url = mssqlUrl();
  if (!url) throw new Error('MSSQL_URL is not set: register SQL Server scenarios with describeIfMssql');
  return url;
}

export async function withPool<T>(connectionString: string, fn: (pool: mssql.ConnectionPool) => Promise<T>): Promise<T> {
  return withSqlServerPool(connectionString, 'reliability harness', 2, fn);
}

export async function createMssqlCluster(scenario: string, ids: readonly string[]): Promise<MssqlCluster> {
  const suffix = randomBytes(3).toString('hex');
  const worker = { login: `tqw_rel_worker_${suffix}`, password: `Wk-${randomBytes(9).toString('hex')}-Pw1!` };
  const producer = { login: `tqw_rel_producer_${suffix}`, password: `Pr-${randomBytes(9).toString('hex')}-Pw1!` };
  const tenants = ids.map((id) => {
    const database = `rel_${scenario}_${id}_${suffix}`;
    const adminConnection = withDatabase(admin(), database);
    return { id, database, adminConnection, workerConnection: withLogin(adminConnection, worker.login, worker.password) };
  });
  const options: SetupOptions = {
    admin: setup.parseAdminConnection(admin()),
    databases: tenants.map((t) => t.database),
    schema: 'dbo',
    worker,
    producer,
    productsSql: join(REPO_ROOT, 'examples', 'sql', 'products.sqlserver.sql'),
    connectAttempts: 3,
    log: () => undefined,
  };
  const cluster: MssqlCluster = {
    tenants,
    secrets: [parseConnectionString(admin()).password ?? '', worker.password, producer.password].filter((s) => s.length >= 6),
    async drop() {
      await withPool(admin(), async (pool) => {
        for (const t of tenants) {
          // SINGLE_USER WITH ROLLBACK IMMEDIATE ends the sessions a killed worker left, so DROP cannot block.
          await pool
            .request()
            .batch(
              `IF DB_ID(N'${t.database}') IS NOT NULL BEGIN ALTER DATABASE ${quoteIdent(t.database)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${quoteIdent(t.database)}; END`,
            )
            .catch(() => undefined);
        }
        for (const p of [worker, producer])
          await pool
            .request()
            .batch(`IF SUSER_ID(N'${p.login}') IS NOT NULL DROP LOGIN ${quoteIdent(p.login)}`)
            .catch(() => undefined);
      });
    },
  };
  await setup.beforeMigrate(options);
  const dir = tempDir('rel-mssql-admin');
  const tenantsFile = writeJson(
    join(dir, 'tenants.admin.json'),
    tenants.map((t) => ({ id: t.id, connectionString: t.adminConnection })),
  );
  const migrate = await runCli(['migrate', '--config', writeJson(join(dir, 'config.admin.json'), { tenants: { file: tenantsFile } })], {
    TQW_CONFIG: '',
  });
  if (migrate.code !== 0) throw new Error(`tqw migrate (admin) failed: ${migrate.stderr}${migrate.stdout}`);
  await setup.afterMigrate(options);
  for (const t of tenants) {
    await withPool(t.adminConnection, async (pool) => {
      await pool.request().batch(`CREATE TABLE dbo.ReliabilityEffects (
  MessageId UNIQUEIDENTIFIER NOT NULL CONSTRAINT PK_ReliabilityEffects PRIMARY KEY, -- no second application can be stored
  TenantId NVARCHAR(50) NOT NULL,
  Pid INT NOT NULL,
  Attempt INT NOT NULL,
  PayloadBytes INT NOT NULL,
  [At] DATETIMEOFFSET NOT NULL CONSTRAINT DF_ReliabilityEffects_At DEFAULT SYSDATETIMEOFFSET()
);`);
      // The handler's own table: INSERT, and SELECT for its NOT EXISTS check (docs/reliability.md).
      await pool.request().batch(`GRANT SELECT, INSERT ON OBJECT::dbo.ReliabilityEffects TO ${quoteIdent(worker.login)};`);
    });
  }
  return cluster;
}

const CHUNK = 400; // 4 parameters a row: 1,600 per request, under SQL Server's limit of 2,100

/** The producer's plain INSERT (only Id, TenantId, MessageType, Payload; the table's defaults do the rest). */
export async function seedMssql(t: MssqlTenant, messages: readonly SeedMessage[]): Promise<string[]> {
  const ids = messages.map((m) => m.id ?? randomUUID());
  await withPool(t.adminConnection, async (pool) => {
    for (let from = 0; from < messages.length; from += CHUNK) {
      const request = pool.request();
      const rows = messages.slice(from, from + CHUNK).map((m, i) => {
        request.input(`id${i}`, mssql.UniqueIdentifier, ids[from + i]);
        request.input(`tenant${i}`, mssql.NVarChar(50), m.tenantId ?? t.id);
        request.input(`type${i}`, mssql.NVarChar(255), m.type);
        request.input(`payload${i}`, mssql.NVarChar(mssql.MAX), m.payload);
        return `(@id${i}, @tenant${i}, @type${i}, @payload${i})`;
      });
      await request.query(`INSERT INTO dbo.QueueMessages (Id, TenantId, MessageType, Payload) VALUES ${rows.join(', ')}`);
    }
  });
  return ids;
}

export async function snapshotMssql(t: MssqlTenant): Promise<TenantSnapshot> {
  return withPool(t.adminConnection, async (pool) => {
    const messages = await pool.request().query<{
      Id: string;
      TenantId: string;
      MessageType: string;
      Status: MessageStatus;
      ProcessingAttempts: number;
      ErrorMessage: string | null;
    }>('SELECT Id, TenantId, MessageType, Status, ProcessingAttempts, ErrorMessage FROM dbo.QueueMessages');
    const effects = await pool
      .request()
      .query<{ MessageId: string; Pid: number; PayloadBytes: number; At: Date }>(
        'SELECT MessageId, Pid, PayloadBytes, [At] FROM dbo.ReliabilityEffects',
      );
    return {
      tenant: t.id,
      // UNIQUEIDENTIFIER comes back upper-case; the recorder stores the engine's (lower-case) ids.
      messages: messages.recordset.map((m) => ({
        id: m.Id.toLowerCase(),
        rowTenantId: m.TenantId,
        type: m.MessageType,
        status: m.Status,
        attempts: m.ProcessingAttempts,
        error: m.ErrorMessage,
      })),
      effects: effects.recordset.map((e) => ({ messageId: e.MessageId.toLowerCase(), pid: e.Pid, payloadBytes: e.PayloadBytes, at: e.At })),
    };
  });
}

export async function unsettledMssql(tenants: readonly MssqlTenant[]): Promise<number> {
  let n = 0;
  for (const t of tenants) {
    n += await withPool(t.adminConnection, async (pool) => {
      const r = await pool
        .request()
        .query<{ n: number }>("SELECT COUNT(*) AS n FROM dbo.QueueMessages WHERE Status IN (N'Pending', N'Failed', N'Processing')");
      return r.recordset[0]!.n;
    });
  }
  return n;
}

export async function processingExtMssql(tenants: readonly MssqlTenant[]): Promise<string[]> {
  const ids: string[] = [];
  for (const t of tenants) {
    await withPool(t.adminConnection, async (pool) => {
      const r = await pool
        .request()
        .query<{ Id: string }>("SELECT Id FROM dbo.QueueMessages WHERE Status = N'Processing' AND MessageType = N'RecordExt'");
      ids.push(...r.recordset.map((x) => x.Id.toLowerCase()));
    });
  }
  return ids;
}
