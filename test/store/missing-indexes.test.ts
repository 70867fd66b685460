/** `missingIndexes()` (used by `tqw check`) reports exactly the claim indexes that are not there. */
import type { StorePools } from '../../src/store/create-store';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { adminStore, pgTenant, sql } from '../support/worker-fixtures';
import { runCli, tempDir, writeJson } from '../support/processes';
import { join } from 'node:path';

let db: TestDatabase;
const pools: StorePools[] = [];
beforeAll(async () => {
  db = await createTestDatabase('indexes');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.closeAll()));
  await db.drop();
});

test('after migrate no index is missing; a dropped one is reported, for a schema and for public', async () => {
  for (const schema of ['idx_tenant', undefined]) {
    const { store, pools: p } = adminStore(pgTenant('ix', db.url, schema));
    pools.push(p);
    await store.migrate();
    expect(await store.missingIndexes()).toEqual([]);
    await sql(db.url, `DROP INDEX ${schema ? `"${schema}".` : ''}"IX_QueueMessages_Due"`);
    expect(await store.missingIndexes()).toEqual(['IX_QueueMessages_Due']);
    await store.migrate();
  }
});

test('tqw check fails naming the missing index and the fix', async () => {
  const dir = tempDir('check-ix');
  const tenants = writeJson(join(dir, 'tenants.json'), [{ id: 'ix', connectionString: db.url, schema: 'idx_check' }]);
  const config = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenants },
    handlers: { dir: join(__dirname, '..', '..', 'examples', 'handlers') },
  });
  const { store, pools: p } = adminStore(pgTenant('ix', db.url, 'idx_check'));
  pools.push(p);
  await store.migrate();
  expect((await runCli(['check', '--config', config], { TQW_CONFIG: '' })).code).toBe(0);
  await sql(db.url, `DROP INDEX "idx_check"."IX_QueueMessages_Lease"`);
  const r = await runCli(['check', '--config', config], { TQW_CONFIG: '' });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('IX_QueueMessages_Lease');
  expect(r.stdout).toContain('tqw migrate');
  expect(r.stdout).not.toContain(new URL(db.url).password);
});
