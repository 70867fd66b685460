/**
 * Snoozes on SQL Server (in process, MSSQL_URL; the shared cases: snooze-scenarios.ts): a
 * transactional handler's writes through its mssql.Transaction roll back on snooze, and the
 * SnoozeCount column, cap and clock behave as on PostgreSQL.
 */
import mssql from 'mssql';
import type { StorePools } from '../../src/store/create-store';
import { createTestMssqlDatabase, describeIfMssql, sqlServerTenant, withSqlServerPool, type TestMssqlDatabase } from '../support/mssql';
import { adminStore, startTestWorker, type TestWorker } from '../support/worker-fixtures';
import { describeSnoozeScenarios } from './snooze-scenarios';

describeIfMssql('snoozes on SQL Server', () => {
  let db: TestMssqlDatabase;
  let counter = 0;
  const running: TestWorker[] = [];
  const adminPools: StorePools[] = [];

  beforeAll(async () => {
    db = await createTestMssqlDatabase('snooze');
  }, 60_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.stop()));
    await Promise.all(adminPools.splice(0).map((p) => p.closeAll()));
  });
  afterAll(async () => {
    await db?.drop();
  }, 60_000);

  const admin = <T>(text: string, id?: string): Promise<T[]> =>
    withSqlServerPool(db.connectionString, 'snooze test', 1, async (pool) => {
      const request = pool.request();
      if (id !== undefined) request.input('id', mssql.UniqueIdentifier, id);
      return ((await request.query<T>(text)).recordset ?? []) as T[];
    });

  describeSnoozeScenarios({
    async freshTenant() {
      const schema = `s_snooze_${++counter}`;
      const tenant = sqlServerTenant(`t${counter}`, db.connectionString, schema);
      const { store, pools } = adminStore(tenant);
      adminPools.push(pools);
      await store.migrate();
      await admin(`CREATE TABLE [${schema}].Effects (MessageId UNIQUEIDENTIFIER NOT NULL PRIMARY KEY, Note NVARCHAR(20) NOT NULL)`);
      return { tenant, store };
    },
    async insertEffect(tenant, tx, messageId, note) {
      await (tx as mssql.Transaction)
        .request()
        .input('id', mssql.UniqueIdentifier, messageId)
        .input('note', mssql.NVarChar(20), note)
        .query(`INSERT INTO [${tenant.schema}].Effects (MessageId, Note) VALUES (@id, @note)`);
    },
    async effects(tenant, messageId) {
      const rows = await admin<{ Note: string }>(`SELECT Note FROM [${tenant.schema}].Effects WHERE MessageId = @id`, messageId);
      return rows.map((r) => r.Note);
    },
    worker(tenants, handlers, options = {}) {
      const w = startTestWorker(tenants, handlers, options);
      running.push(w);
      return w;
    },
  });
});
