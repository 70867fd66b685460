/**
 * db.asyncCommit is PostgreSQL only: the daemon warns, naming the SQL Server tenants that keep
 * committing durably, and says nothing when the option is off or every tenant is on PostgreSQL.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ignoredStoreOptions } from '../../src/daemon/ignored-options';
import { DEFAULT_STORE_OPTIONS } from '../../src/store/types';
import { loadTenants } from '../../src/tenants/load-tenants';

const file = join(mkdtempSync(join(tmpdir(), 'tqw-ignored-options-')), 'tenants.json');
writeFileSync(
  file,
  JSON.stringify([
    { id: 'pg', connectionString: 'postgres://tqw:secret@db:5432/app' },
    { id: 'ms', connectionString: 'Server=sql,1433;Database=app;User Id=tqw;Password=secret;TrustServerCertificate=true' },
  ]),
);
const tenants = loadTenants(file, {});

test('asyncCommit with SQL Server tenants: one warning naming them and what to do instead', () => {
  expect(tenants.map((t) => t.dialect)).toEqual(['postgres', 'sqlserver']);
  const ignored = ignoredStoreOptions({ ...DEFAULT_STORE_OPTIONS, asyncCommit: true }, tenants);
  expect(ignored).toEqual([{ option: 'db.asyncCommit', tenants: ['ms'], why: expect.stringContaining('DELAYED_DURABILITY') }]);
  expect(JSON.stringify(ignored)).not.toContain('secret');
});

test('nothing to say when the option is off or no tenant is on SQL Server', () => {
  expect(ignoredStoreOptions(DEFAULT_STORE_OPTIONS, tenants)).toEqual([]);
  expect(ignoredStoreOptions({ ...DEFAULT_STORE_OPTIONS, asyncCommit: true }, tenants.slice(0, 1))).toEqual([]);
});
