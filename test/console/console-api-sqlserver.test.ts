/** The console API on SQL Server stores (Babelfish here; see console-api-contract.ts). Skipped without MSSQL_URL. */
import mssql from 'mssql';
import { mssqlUrl } from '../support/mssql';
import { createSqlServerStoreFixture } from '../store/sqlserver/sqlserver-fixture';
import { describeConsoleApi } from './console-api-contract';

const fx = createSqlServerStoreFixture('tqw_console');

describeConsoleApi(
  'SQL Server',
  {
    ...fx,
    realClaim: true,
    smallTenants: 10,
    testTimeoutMs: 240_000,
    async bulkInsert(store, count) {
      // 10^4 rows per statement from a cross join of digits (no numbers table needed; runs on Babelfish too).
      const digits = '(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9))';
      // In statements of 10,000 rows: one of 100,000 outlasts the request timeout on Babelfish.
      for (let done = 0; done < count; done += 10_000) {
        await fx.query(
          `INSERT INTO ${store.tableName} (Id, TenantId, MessageType, Payload, Status, LastAttemptTime)
         SELECT TOP (@count) NEWID(), @tenant, N'bulk', N'{}', N'Completed', SYSUTCDATETIME()
         FROM ${digits} a(d) CROSS JOIN ${digits} b(d) CROSS JOIN ${digits} c(d) CROSS JOIN ${digits} e(d);`,
          (r) => r.input('count', mssql.Int, Math.min(10_000, count - done)).input('tenant', mssql.NVarChar(50), store.tenantId),
        );
      }
    },
  },
  { skip: mssqlUrl() === undefined ? 'MSSQL_URL is not set' : undefined },
);
