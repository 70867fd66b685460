/** The console API on PostgreSQL stores (see console-api-contract.ts). */
import { createPostgresStoreFixture } from '../support/store-fixtures';
import { describeConsoleApi } from './console-api-contract';

const fx = createPostgresStoreFixture('tqw_console');

describeConsoleApi('PostgreSQL', {
  ...fx,
  realClaim: true,
  smallTenants: 40,
  testTimeoutMs: 60_000,
  async bulkInsert(store, count) {
    await fx.query(
      `INSERT INTO ${store.tableName} ("Id", "TenantId", "MessageType", "Payload", "Status", "LastAttemptTime")
       SELECT gen_random_uuid(), $1, 'bulk', '{}', 'Completed', now() FROM generate_series(1, $2)`,
      [store.tenantId, count],
    );
  },
});
