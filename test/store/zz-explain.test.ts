import { createPostgresStoreFixture } from '../support/store-fixtures';
import { postgresStatements } from '../../src/store/postgres/statements';
const fx = createPostgresStoreFixture();
beforeAll(() => fx.setup());
afterAll(() => fx.teardown());
test('plans', async () => {
  const store = await fx.makeStore('t');
  const t = store.tableName;
  await fx.query(`INSERT INTO ${t} ("TenantId","MessageType","Payload","Status","LastAttemptTime") SELECT 't','x','{}', 'Completed', now() - interval '1 day' FROM generate_series(1,200000)`);
  await fx.query(`INSERT INTO ${t} ("TenantId","MessageType","Payload","Status") SELECT 't','x','{}', 'Pending' FROM generate_series(1,100)`);
  await fx.query(`ANALYZE ${t}`);
  const sql = postgresStatements(t);
  const c = await fx.database();
  void c;
  const pg = require('pg');
  const client = new pg.Client({ connectionString: fx.database().url });
  await client.connect();
  for (const [name, text, params] of [
    ['claim', sql.claim, [10, 60000]],
    ['depth', sql.depth, []],
    ['purge', sql.purge, ['Completed', 3600000, 100]],
    ['purgeDL', sql.purge, ['DeadLetter', 3600000, 100]],
    ['list', sql.listDeadLetters, [10]],
    ['stats', sql.stats, []],
  ] as const) {
    const r = await client.query('EXPLAIN ' + text, params as unknown as unknown[]);
    console.log(name + '\n' + r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
  }
  await client.end();
});
