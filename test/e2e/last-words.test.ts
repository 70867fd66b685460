/**
 * A dying process says what it was running: when a handler calls process.exit, or an exception
 * escapes a handler's timer, the last log line of `tqw run` names the tenant, message id, type and
 * attempt of every handler attempt in flight.
 */
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { DaemonProcess, REPO_ROOT, freePort, tempDir, writeJson } from '../support/processes';
import { adminStore, pgTenant, waitFor } from '../support/worker-fixtures';
import type { StorePools } from '../../src/store/create-store';

let db: TestDatabase;
const pools: StorePools[] = [];
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase('last_words');
});
afterEach(() => {
  if (daemon && daemon.child.exitCode === null) daemon.kill('SIGKILL');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.closeAll()));
  await db.drop();
});

test.each([
  ['a handler calls process.exit(3)', 'Exit', 3],
  ["an exception escapes a handler's timer", 'ThrowLater', 1],
])('%s: the last log line names every running message', async (_label, killer, exitCode) => {
  const schema = `s_${killer.toLowerCase()}`;
  const tenant = pgTenant('acme', db.url, schema);
  const admin = adminStore(tenant);
  pools.push(admin.pools);
  await admin.store.migrate();
  const slow = await Promise.all([1, 2, 3].map(() => admin.store.enqueue({ tenantId: 'acme', messageType: 'Slow', payload: {} })));
  const killerId = await admin.store.enqueue({ tenantId: 'acme', messageType: killer, payload: {} });

  const dir = tempDir('last-words');
  const tenantsFile = writeJson(join(dir, 'tenants.json'), [{ id: 'acme', connectionString: db.url, schema }]);
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenantsFile },
    handlers: { dir: join(REPO_ROOT, 'test', 'fixtures', 'last-words-handlers') },
    http: { host: '127.0.0.1', port: await freePort() },
    worker: { concurrency: 4, pollMinMs: 20, pollMaxMs: 100 },
    log: { level: 'info' },
  });
  daemon = new DaemonProcess(['--config', configFile], { TQW_CONFIG: '' });
  const exit = await waitFor(() => (daemon!.child.exitCode === null ? undefined : daemon!.exited), { what: 'the process to die' });
  expect(exit.code).toBe(exitCode);

  const last = daemon.lines[daemon.lines.length - 1]!;
  expect(last.level).toBe('fatal');
  const running = last.running as Array<{ tenant: string; messageId: string; type: string; attempt: number }>;
  expect(running.map((r) => r.messageId).sort()).toEqual([...slow, killerId].sort());
  for (const r of running) {
    expect(r).toEqual(expect.objectContaining({ tenant: 'acme', attempt: 1, type: r.messageId === killerId ? killer : 'Slow' }));
    expect(String(last.msg)).toContain(`tenant acme: message ${r.messageId} (${r.type}, attempt 1`);
  }
});
