/**
 * The compose demo's SQL Server setup against a real SQL Server (MSSQL_URL; skipped without one): the init's two
 * steps around `tqw migrate` are idempotent, the worker's login can do its job with its grants and nothing more
 * (no DDL, no other tables, no db_owner), the producer's login can only INSERT messages, a real `tqw run` as the
 * least-privilege login completes a message the producer's INSERT enqueued, and re-running the init with a new
 * password rotates it. Uses its own uniquely named databases and logins, removed afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import mssql from 'mssql';
import { sqlServerConfig } from '../../src/store/sqlserver/connection-config';
import { quoteIdent } from '../../src/store/sqlserver/quote-table';
import { describeIfMssql, dropMssqlDatabase, mssqlUrl, withDatabase } from '../support/mssql';
import { loadMssqlSetupModule, type Principal, type SetupOptions } from '../support/mssql-setup-module';
import { DaemonProcess, freePort, runCli, tempDir, writeJson } from '../support/processes';
import { repoPath } from './support/repo';

/** SQL Server says "The SELECT permission was denied ...", Babelfish "permission denied for table ...". */
const PERMISSION_DENIED = /permission was denied|permission denied for/i;

interface ProducerModule {
  enqueueSqlServer(pool: mssql.ConnectionPool, tenant: { id: string }, message: { type: string; payload: string }): Promise<void>;
}
// The plain CommonJS files the containers run (docker/init, docker/producer).
const setup = loadMssqlSetupModule();
const producer = require(repoPath('docker/producer/produce.js')) as ProducerModule;

/** MSSQL_URL's server and options with another login and database. */
function asLogin(connectionString: string, principal: Principal, database: string): string {
  const text = withDatabase(connectionString, database);
  if (/^(mssql|sqlserver):\/\//i.test(text)) {
    const url = new URL(text);
    url.username = encodeURIComponent(principal.login);
    url.password = encodeURIComponent(principal.password);
    return url.toString();
  }
  const pairs = text.split(';').filter((pair) => pair.trim() !== '' && !/^\s*(user id|uid|user|password|pwd)\s*=/i.test(pair));
  return [...pairs, `User Id=${principal.login}`, `Password=${principal.password}`].join(';');
}

async function open(connectionString: string): Promise<mssql.ConnectionPool> {
  const pool = new mssql.ConnectionPool({ ...sqlServerConfig(connectionString, 'test connection'), pool: { max: 2, min: 0 } });
  pool.on('error', () => undefined);
  return pool.connect();
}

/** Runs `sql` and returns the error message, or 'succeeded'. */
async function attempt(pool: mssql.ConnectionPool, sql: string): Promise<string> {
  try {
    await pool.request().batch(sql);
    return 'succeeded';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describeIfMssql('compose init on SQL Server (MSSQL_URL): least-privilege logins that are enough to work', () => {
  const url = mssqlUrl() ?? '';
  const suffix = randomBytes(4).toString('hex');
  const databases = [`tqw_deploy_${suffix}_a`, `tqw_deploy_${suffix}_b`];
  const strong = () => `Tqw-${randomBytes(9).toString('base64url')}-9a`;
  const options: SetupOptions = {
    admin: url ? setup.parseAdminConnection(url) : { server: 'unset' },
    databases,
    schema: 'dbo',
    worker: { login: `tqw_worker_${suffix}`, password: strong() },
    producer: { login: `tqw_producer_${suffix}`, password: strong() },
    productsSql: repoPath('examples/sql/products.sqlserver.sql'),
    connectAttempts: 3,
    log: () => undefined,
  };
  let admin: mssql.ConnectionPool;
  const pools: mssql.ConnectionPool[] = [];
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    admin = await open(url);
    await setup.beforeMigrate(options);
    await setup.beforeMigrate(options); // idempotent
    const adminTenants = writeJson(
      join(tempDir('deploy-admin'), 'tenants.json'),
      databases.map((db) => ({ id: db, connectionString: withDatabase(url, db) })),
    );
    const migrate = await runCli(['migrate'], {
      TQW_TENANTS_FILE: adminTenants,
      TQW_HANDLERS_DIR: repoPath('examples/handlers'),
      TQW_CONFIG: '',
    });
    if (migrate.code !== 0) throw new Error(`tqw migrate failed (${migrate.code}): ${migrate.stderr}${migrate.stdout}`);
    await setup.afterMigrate(options);
    await setup.afterMigrate(options); // idempotent
  }, 180_000);

  afterAll(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.kill('SIGKILL');
      await daemon.exited;
    }
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    if (!admin) return;
    for (const db of databases) await dropMssqlDatabase(db);
    for (const principal of [options.worker, options.producer]) {
      await admin.request().batch(`IF SUSER_ID(N'${principal.login}') IS NOT NULL DROP LOGIN ${quoteIdent(principal.login)};`);
    }
    await admin.close();
  }, 120_000);

  const as = async (principal: Principal, db: string) => {
    const pool = await open(asLogin(url, principal, db));
    pools.push(pool);
    return pool;
  };

  test('the worker reads and writes QueueMessages and Products, and may do nothing else', async () => {
    const worker = await as(options.worker, databases[0]!);
    // Created by the admin on a connection of its own to that database, closed at once (an admin session
    // left in it would block the DROP later; Babelfish has no db.sys.sp_executesql to do it from master).
    const inDatabase = await open(withDatabase(mssqlUrl()!, databases[0]!));
    await inDatabase.request().batch('CREATE TABLE dbo.OtherData (Id int NOT NULL);');
    await inDatabase.close();
    const id = randomUUID();
    expect(
      await attempt(
        worker,
        `INSERT INTO QueueMessages (Id, TenantId, MessageType, Payload, ScheduledTime, Status, CreatedAt)
           VALUES ('${id}', N'${databases[0]}', N'Probe', N'{}', SYSUTCDATETIME(), N'Completed', SYSUTCDATETIME());
         UPDATE QueueMessages SET ProcessingAttempts = 1 WHERE Id = '${id}';
         SELECT COUNT(*) FROM QueueMessages;
         DELETE FROM QueueMessages WHERE Id = '${id}';
         INSERT INTO Products (Id, Name) VALUES ('${id}', N'probe');
         UPDATE Products SET Name = N'probe 2' WHERE Id = '${id}';
         DELETE FROM Products WHERE Id = '${id}';`,
      ),
    ).toBe('succeeded');
    expect(await attempt(worker, 'CREATE TABLE dbo.Sneaky (Id int NOT NULL);')).toMatch(/permission denied/i);
    expect(await attempt(worker, 'SELECT * FROM dbo.OtherData;')).toMatch(PERMISSION_DENIED);
    expect(await attempt(worker, 'ALTER TABLE QueueMessages ADD Sneaky int NULL;')).toMatch(
      /permission|cannot alter|does not exist|must be owner/i,
    );
    const roles = await worker
      .request()
      .query<{ owner: number; reader: number }>("SELECT IS_ROLEMEMBER('db_owner') AS owner, IS_ROLEMEMBER('db_datareader') AS reader");
    // Not a member (0); NULL where the role does not exist (Babelfish has no db_datareader): not a member either.
    const membership = roles.recordset[0];
    expect({ owner: membership?.owner ?? 0, reader: membership?.reader ?? 0 }).toEqual({ owner: 0, reader: 0 });
    expect(membership?.owner).toBe(0);
  });

  test('the producer can only INSERT messages: its enqueue works, reading the queue does not', async () => {
    const producerPool = await as(options.producer, databases[1]!);
    await producer.enqueueSqlServer(producerPool, { id: databases[1]! }, { type: 'SendEmail', payload: '{"to":"probe@example.com"}' });
    expect(await attempt(producerPool, 'SELECT TOP (1) Id FROM QueueMessages;')).toMatch(PERMISSION_DENIED);
    expect(await attempt(producerPool, "UPDATE QueueMessages SET Status = N'Completed';")).toMatch(PERMISSION_DENIED);
    const rows = await admin.request().query<{ TenantId: string; Status: string; hasCorrelation: number }>(
      `SELECT TenantId, Status, CASE WHEN CorrelationId IS NULL THEN 0 ELSE 1 END AS hasCorrelation
           FROM ${quoteIdent(databases[1]!)}.dbo.QueueMessages WHERE MessageType = N'SendEmail'`,
    );
    expect(rows.recordset).toEqual([{ TenantId: databases[1], Status: 'Pending', hasCorrelation: 1 }]);
  });

  test('tqw run as the least-privilege login completes a ProductUpdate the producer enqueued', async () => {
    const productId = randomUUID();
    const producerPool = await as(options.producer, databases[0]!);
    await producer.enqueueSqlServer(
      producerPool,
      { id: databases[0]! },
      {
        type: 'ProductUpdate',
        payload: JSON.stringify({ productId, newName: 'Least Privilege Widget' }),
      },
    );

    const workerTenants = writeJson(
      join(tempDir('deploy-worker'), 'tenants.json'),
      databases.map((db) => ({ id: db, connectionString: asLogin(url, options.worker, db) })),
    );
    const port = await freePort();
    daemon = new DaemonProcess([], {
      TQW_TENANTS_FILE: workerTenants,
      TQW_HANDLERS_DIR: repoPath('examples/handlers'),
      TQW_HTTP_HOST: '127.0.0.1',
      TQW_HTTP_PORT: String(port),
      TQW_CONFIG: '',
      EXAMPLE_EMAIL_FAILURE_RATE: '0',
    });

    const product = await waitFor('the product row', async () => {
      const rows = await admin
        .request()
        .input('id', mssql.UniqueIdentifier, productId)
        .query<{ Name: string }>(`SELECT Name FROM ${quoteIdent(databases[0]!)}.dbo.Products WHERE Id = @id`);
      return rows.recordset[0];
    });
    expect(product).toEqual({ Name: 'Least Privilege Widget' });
    const statuses = await waitFor('the message to complete', async () => {
      const rows = await admin
        .request()
        .query<{ Status: string }>(
          `SELECT Status FROM ${quoteIdent(databases[0]!)}.dbo.QueueMessages WHERE MessageType = N'ProductUpdate'`,
        );
      return rows.recordset.every((r) => r.Status === 'Completed') ? rows.recordset.map((r) => r.Status) : undefined;
    });
    expect(statuses).toEqual(['Completed']);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);

    daemon.kill('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
  }, 120_000);

  test('running the init again with a new worker password rotates it', async () => {
    const oldPassword = options.worker.password;
    const rotated: SetupOptions = { ...options, worker: { ...options.worker, password: strong() } };
    await setup.beforeMigrate(rotated);
    await expect(open(asLogin(url, { ...options.worker, password: oldPassword }, databases[0]!))).rejects.toThrow(/login failed/i);
    const pool = await as(rotated.worker, databases[0]!);
    expect(await attempt(pool, 'SELECT TOP (0) Id FROM QueueMessages;')).toBe('succeeded');
  });
});
