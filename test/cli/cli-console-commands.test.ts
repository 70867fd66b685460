/**
 * The console's CLI counterparts against a real PostgreSQL, in-process through main():
 * `dead-letters list --all-tenants`, `dead-letters delete`, `cancel`, and `tqw console` refusing to
 * start without console.token (exit 78).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { main } from '../../src/cli/main';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { tempDir, writeJson } from '../support/processes';

let db: TestDatabase;
let client: Client;
let dir: string;
let config: string;
let logs: string;

async function tqw(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main([...args, '--config', config], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
    cwd: dir,
    logDestination: () => new Writable({ write: (c: Buffer, _e, cb) => ((logs += c.toString()), cb()) }),
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}

async function insert(schema: string, status: string, type = 'Mail'): Promise<string> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO "${schema}"."QueueMessages" ("Id", "TenantId", "MessageType", "Payload", "Status", "ErrorMessage", "LastAttemptTime")
     VALUES ($1, $2, $3, '{}', $4, 'boom', now())`,
    [id, schema, type, status],
  );
  return id;
}
const statusOf = async (schema: string, id: string) =>
  ((await client.query(`SELECT "Status" FROM "${schema}"."QueueMessages" WHERE "Id" = $1`, [id])).rows[0] as { Status: string } | undefined)
    ?.Status ?? null;

beforeAll(async () => {
  db = await createTestDatabase('tqw_cli_console');
  client = new Client({ connectionString: db.url });
  await client.connect();
  dir = tempDir('cli-console');
  writeJson(join(dir, 'tenants.json'), [
    { id: 'a', connectionString: db.url, schema: 'a' },
    { id: 'b', connectionString: db.url, schema: 'b' },
  ]);
  config = join(dir, 'config.json');
  writeJson(config, { tenants: { file: './tenants.json' }, log: { level: 'info' } });
  logs = '';
  expect((await tqw(['migrate'])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await client.end();
  await db.drop();
});

test("dead-letters list --all-tenants lists every tenant's dead letters with the tenant named", async () => {
  const a = await insert('a', 'DeadLetter');
  const b = await insert('b', 'DeadLetter');
  await insert('b', 'Pending');
  const r = await tqw(['dead-letters', 'list', '--all-tenants', '--json']);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { tenants: number; messages: Array<{ id: string; tenantId: string }> };
  expect(out.tenants).toBe(2);
  expect(out.messages.map((m) => [m.tenantId, m.id]).sort()).toEqual(
    [
      ['a', a],
      ['b', b],
    ].sort(),
  );
  expect(r.stdout).not.toContain(decodeURIComponent(new URL(db.url).password) || 'never-empty');
  const table = await tqw(['dead-letters', 'list', '--all-tenants']);
  expect(table.stdout).toMatch(/TENANT\s+ID/);
  expect((await tqw(['dead-letters', 'list', '--all-tenants', '--tenant', 'a'])).code).toBe(64);
});

test('dead-letters delete --id removes only that dead letter; a non-dead-letter id is refused (exit 1); --all empties the tenant', async () => {
  const d1 = await insert('a', 'DeadLetter');
  const d2 = await insert('a', 'DeadLetter');
  const pending = await insert('a', 'Pending');
  const one = await tqw(['dead-letters', 'delete', '--tenant', 'a', '--id', d1]);
  expect(one).toMatchObject({ code: 0 });
  expect(await statusOf('a', d1)).toBeNull();
  expect(await statusOf('a', d2)).toBe('DeadLetter');
  const refused = await tqw(['dead-letters', 'delete', '--tenant', 'a', '--id', pending]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('it is Pending, not DeadLetter');
  expect(await statusOf('a', pending)).toBe('Pending');
  const all = await tqw(['dead-letters', 'delete', '--tenant', 'a', '--all', '--json']);
  expect(all.code).toBe(0);
  expect(JSON.parse(all.stdout)).toMatchObject({ tenant: 'a', requested: 'all' });
  expect(JSON.parse(all.stdout).deleted).toBeGreaterThanOrEqual(1);
  expect((await client.query(`SELECT count(*)::int AS n FROM "a"."QueueMessages" WHERE "Status" = 'DeadLetter'`)).rows[0]).toEqual({
    n: 0,
  });
  expect(await statusOf('a', pending)).toBe('Pending');
  expect(logs).toContain('dead letters deleted');
  expect((await tqw(['dead-letters', 'delete', '--tenant', 'a'])).code).toBe(64);
});

test('cancel removes a Pending or Failed message and logs it; Processing, Completed and DeadLetter ones are refused', async () => {
  const pending = await insert('b', 'Pending');
  const failed = await insert('b', 'Failed');
  expect((await tqw(['cancel', '--tenant', 'b', '--id', pending])).code).toBe(0);
  expect((await tqw(['cancel', '--tenant', 'b', '--id', failed])).code).toBe(0);
  expect(await statusOf('b', pending)).toBeNull();
  expect(await statusOf('b', failed)).toBeNull();
  expect(logs).toContain('message cancelled');
  for (const status of ['Processing', 'Completed', 'DeadLetter']) {
    const id = await insert('b', status);
    const r = await tqw(['cancel', '--tenant', 'b', '--id', id]);
    expect({ status, code: r.code }).toEqual({ status, code: 1 });
    expect(r.stderr).toContain(`is ${status}`);
    expect(await statusOf('b', id)).toBe(status);
  }
  const missing = await tqw(['cancel', '--tenant', 'b', '--id', randomUUID()]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('no message');
});

test('tqw console without console.token exits 78 naming the fix; tqw run with console.enabled and no token too', async () => {
  const r = await tqw(['console']);
  expect(r.code).toBe(78);
  expect(r.stderr).toContain('console.token');
  expect(r.stderr).toContain('TQW_CONSOLE_TOKEN');
  const run = await tqw(['run'], { TQW_CONSOLE_ENABLED: 'true' });
  expect(run.code).toBe(78);
  expect(run.stderr).toContain('console.token is required');
});

test('tqw config never shows the console token', async () => {
  const r = await tqw(['config', '--json'], { TQW_CONSOLE_TOKEN: 'super-secret-console-token' });
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain('super-secret-console-token');
  expect(JSON.parse(r.stdout).config.console.token).toBe('***');
});
