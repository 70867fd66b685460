/**
 * End to end: `tqw migrate`, `tqw enqueue` and `tqw run` as child processes against two real
 * PostgreSQL tenant databases (one using a schema), with the example handlers.
 */
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { DaemonProcess, REPO_ROOT, freePort, httpGet, runCli, tempDir, writeJson } from '../support/processes';
import { sql, waitFor } from '../support/worker-fixtures';
import { readFileSync } from 'node:fs';

let dbA: TestDatabase;
let dbB: TestDatabase;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  [dbA, dbB] = await Promise.all([createTestDatabase('e2e_a'), createTestDatabase('e2e_b')]);
});
afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) daemon.kill('SIGKILL');
  await Promise.all([dbA.drop(), dbB.drop()]);
});

test('tqw run completes messages enqueued with tqw enqueue in two tenant databases, then drains on SIGTERM', async () => {
  const dir = tempDir('e2e');
  const passwordA = new URL(dbA.url).password;
  const urlA = new URL(dbA.url);
  urlA.password = '${TENANT_A_PASSWORD}';
  const tenantsFile = writeJson(join(dir, 'tenants.json'), [
    { id: 'tenant-a', connectionString: decodeURIComponent(urlA.toString()) },
    { id: 'tenant-b', connectionString: dbB.url, schema: 'tenant_b' },
  ]);
  const port = await freePort();
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenantsFile },
    handlers: { dir: join(REPO_ROOT, 'examples', 'handlers') },
    http: { host: '127.0.0.1', port },
    worker: { concurrency: 4, pollMinMs: 20, pollMaxMs: 200 },
    log: { level: 'info' },
  });
  const env = { TENANT_A_PASSWORD: passwordA, TQW_CONFIG: '' };

  const migrate = await runCli(['migrate', '--config', configFile], env);
  expect(migrate.stderr).toBe('');
  expect(migrate.code).toBe(0);
  const productsSql = readFileSync(join(REPO_ROOT, 'examples', 'sql', 'products.postgres.sql'), 'utf8');
  await sql(dbA.url, productsSql);
  await sql(dbB.url, `SET search_path TO tenant_b; ${productsSql}`);

  daemon = new DaemonProcess(['--config', configFile], env);
  await waitFor(async () => (await httpGet(port, '/readyz').catch(() => ({ status: 0 }))).status === 200, { what: '/readyz 200' });

  const ids: Array<{ tenant: string; id: string }> = [];
  for (const tenant of ['tenant-a', 'tenant-b']) {
    for (let i = 0; i < 3; i++) {
      const productId = `00000000-0000-4000-8000-00000000000${i}`;
      const r = await runCli(
        ['enqueue', '--config', configFile, '--tenant', tenant, '--type', 'ProductUpdate', '--payload', JSON.stringify({ productId, newName: `${tenant} product ${i}` })],
        env,
      );
      expect(r.code).toBe(0);
      const id = r.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)?.[0];
      expect(id).toBeDefined();
      ids.push({ tenant, id: id! });
    }
  }

  await waitFor(
    async () => {
      const a = await sql<{ n: number }>(dbA.url, `SELECT count(*)::int AS n FROM "QueueMessages" WHERE "Status" = 'Completed'`);
      const b = await sql<{ n: number }>(dbB.url, `SELECT count(*)::int AS n FROM tenant_b."QueueMessages" WHERE "Status" = 'Completed'`);
      return a[0]!.n === 3 && b[0]!.n === 3;
    },
    { what: 'all six messages Completed' },
  );
  // The handler's writes landed in each tenant's own Products table.
  expect((await sql(dbA.url, `SELECT "Name" FROM "Products" ORDER BY "Name"`)).map((r) => r.Name)).toEqual([
    'tenant-a product 0',
    'tenant-a product 1',
    'tenant-a product 2',
  ]);
  expect((await sql(dbB.url, `SELECT "Name" FROM tenant_b."Products" ORDER BY "Name"`)).length).toBe(3);

  const metrics = await httpGet(port, '/metrics');
  expect(metrics.body).toMatch(/tqw_messages_processed_total\{[^}]*tenant="tenant-a"[^}]*type="ProductUpdate"[^}]*outcome="completed"[^}]*\} 3/);
  const health = JSON.parse((await httpGet(port, '/healthz')).body) as { tenants: Array<{ id: string; state: string }> };
  expect(health.tenants.map((t) => [t.id, t.state]).sort()).toEqual([
    ['tenant-a', 'up'],
    ['tenant-b', 'up'],
  ]);

  // Every line about a message carries tenant, message id and type; no line carries a password.
  const completedLines = daemon.lines.filter((l) => l.msg === 'message completed');
  expect(completedLines).toHaveLength(6);
  for (const l of completedLines) {
    expect(l).toEqual(expect.objectContaining({ tenant: expect.any(String), messageId: expect.any(String), type: 'ProductUpdate' }));
  }
  expect(daemon.raw.join('\n')).not.toContain(passwordA);

  daemon.kill('SIGTERM');
  const exit = await daemon.exited;
  expect(exit.code).toBe(0);
});
