/**
 * The admin commands on SQL Server tenants, as an operator runs them: `node bin/tqw.js ...` child
 * processes against MSSQL_URL's server (a fresh database, two schema-per-tenant tenants): migrate
 * (twice: the second says "up to date"), enqueue, check, stats, dead-letters. The PostgreSQL
 * counterpart (cli-admin-postgres.test.ts) covers the dialect-neutral details. Skipped without
 * MSSQL_URL. Needs `npm run build` first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SQLSERVER_MIGRATIONS } from '../../src/store/sqlserver/migrations';
import { quoteIdent } from '../../src/store/sqlserver/quote-table';
import { createTestMssqlDatabase, describeIfMssql, withSqlServerPool, type TestMssqlDatabase } from '../support/mssql';
import { runCli, tempDir, writeJson, type CliResult } from '../support/processes';

describeIfMssql('tqw admin commands against SQL Server', () => {
  let db: TestMssqlDatabase;
  let config: string;
  const outputs: CliResult[] = [];
  const tqw = async (args: string[]): Promise<CliResult> => {
    const r = await runCli([...args, '--config', config], { TQW_CONFIG: '', TQW_TENANTS_FILE: '' });
    outputs.push(r);
    return r;
  };
  const query = (sql: string) =>
    withSqlServerPool(
      db.connectionString,
      'test',
      1,
      async (pool) => (await pool.request().query<Record<string, unknown>>(sql)).recordset ?? [],
    );

  beforeAll(async () => {
    db = await createTestMssqlDatabase('tqw_cli');
    await withSqlServerPool(db.connectionString, 'test', 1, async (pool) => {
      for (const schema of ['tenant_a', 'tenant_b']) await pool.request().batch(`EXEC (N'CREATE SCHEMA ${quoteIdent(schema)}');`);
    });
    const dir = tempDir('cli-admin-mssql');
    mkdirSync(join(dir, 'handlers'));
    writeFileSync(join(dir, 'handlers', 'product.js'), "module.exports = { type: 'ProductUpdate', handle() {} };\n");
    writeJson(join(dir, 'tenants.json'), [
      { id: 'a', connectionString: db.connectionString, schema: 'tenant_a' },
      { id: 'b', connectionString: db.connectionString, schema: 'tenant_b' },
    ]);
    config = writeJson(join(dir, 'config.json'), {
      handlers: { dir: './handlers' },
      db: { connectTimeoutMs: 5000 },
      tenants: { file: './tenants.json', watch: false },
    });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('migrate creates the table in every tenant; a second migrate says "up to date"', async () => {
    const first = await tqw(['migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(
        `^a\\s+sqlserver\\s+migrated \\[tenant_a\\]\\.\\[QueueMessages\\] \\(${SQLSERVER_MIGRATIONS.length} migration\\(s\\) applied\\)$`,
        'm',
      ),
    );
    expect(first.stdout).toContain('2 tenant(s): 2 migrated\n');
    const again = await tqw(['migrate']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^a\s+sqlserver\s+up to date \[tenant_a\]\.\[QueueMessages\] \(nothing to apply\)$/m);
    expect(again.stdout).toContain('2 tenant(s): 2 already up to date\n');
  });

  it('enqueue writes a Pending row; stats counts it; check passes with the claim index found', async () => {
    const r = await tqw(['enqueue', '--tenant', 'a', '--type', 'ProductUpdate', '--payload', '{"productId": 7}']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const [row] = await query(`SELECT Id, TenantId, MessageType, Payload, Status FROM [tenant_a].[QueueMessages]`);
    expect({ ...row, Id: String(row!.Id).toLowerCase() }).toEqual({
      Id: id,
      TenantId: 'a',
      MessageType: 'ProductUpdate',
      Payload: '{"productId": 7}',
      Status: 'Pending',
    });

    const stats = await tqw(['stats', '--json']);
    expect(stats.code).toBe(0);
    const parsed = JSON.parse(stats.stdout) as { tenants: Array<{ tenant: string; counts: Record<string, number> }> };
    expect(parsed.tenants.map((t) => [t.tenant, t.counts.Pending])).toEqual([
      ['a', 1],
      ['b', 0],
    ]);

    const check = await tqw(['check', '--json']);
    expect(check.code).toBe(0);
    const report = JSON.parse(check.stdout) as { ok: boolean; checks: Array<{ check: string; ok: boolean; detail: string }> };
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.check)).toEqual(['config', 'tenants file', 'handlers', 'tenant a', 'tenant b']);
  });

  it('check names a missing claim index and the fix', async () => {
    const [index] = await query(
      `SELECT i.name AS [name] FROM sys.indexes i WHERE i.object_id = OBJECT_ID(N'[tenant_b].[QueueMessages]') AND i.type_desc = N'NONCLUSTERED'`,
    );
    await query(`DROP INDEX ${quoteIdent(String(index!.name))} ON [tenant_b].[QueueMessages]`).catch(async () =>
      // Babelfish drops an index by the name it was created with (it reads back mangled).
      query('DROP INDEX [IX_QueueMessages_Status_ScheduledTime] ON [tenant_b].[QueueMessages]'),
    );
    const r = await tqw(['check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('IX_QueueMessages_Status_ScheduledTime');
    expect(r.stdout).toContain('tqw migrate');
  });

  it('dead-letters list and requeue --all', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++)
      ids.push((await tqw(['enqueue', '--tenant', 'a', '--type', 'Poison', '--payload', `{"n": ${i}}`])).stdout.trim());
    await query(
      `UPDATE [tenant_a].[QueueMessages] SET Status = N'DeadLetter', ProcessingAttempts = 5, LastAttemptTime = SYSUTCDATETIME(), ErrorMessage = N'boom' WHERE MessageType = N'Poison'`,
    );
    const list = await tqw(['dead-letters', 'list', '--tenant', 'a', '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as {
      count: number;
      messages: Array<{ id: string; processingAttempts: number; errorMessage: string }>;
    };
    expect(listed.count).toBe(2);
    expect(listed.messages.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(listed.messages[0]).toMatchObject({ processingAttempts: 5, errorMessage: 'boom' });
    const all = await tqw(['dead-letters', 'requeue', '--tenant', 'a', '--all', '--json']);
    expect(JSON.parse(all.stdout)).toEqual({ tenant: 'a', requeued: 2, requested: 'all', refused: [] });
    const statuses = await query(`SELECT Status FROM [tenant_a].[QueueMessages] WHERE MessageType = N'Poison'`);
    expect(statuses.map((s) => s.Status)).toEqual(['Pending', 'Pending']);
  });

  it('no output of any command contains the password', () => {
    const password = /^mssql:/i.test(db.connectionString)
      ? decodeURIComponent(new URL(db.connectionString).password)
      : /password=([^;]*)/i.exec(db.connectionString)?.[1];
    expect(password).toBeTruthy();
    expect(outputs.length).toBeGreaterThan(5);
    for (const r of outputs) expect(`${r.stdout}\n${r.stderr}`).not.toContain(password!);
  });
});
