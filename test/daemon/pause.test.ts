/**
 * Pause and resume seen from a running daemon (real PostgreSQL, two schema-per-tenant tenants): a pause
 * written by another process (an admin store, as `tqw pause` does) stops the claims of the paused
 * tenant or type from the next claim on while the other tenant keeps running; /healthz, the
 * tqw_tenant_paused / tqw_message_type_paused gauges and the console's flow control follow it; a
 * resume lets the waiting messages run.
 */
import { join } from 'node:path';
import { startDaemon, type DaemonHandle } from '../../src/daemon/daemon';
import { loadConfig } from '../../src/config/load-config';
import { createRedactor } from '../../src/log/redact';
import { HandlerRegistry } from '../../src/handlers/handler-registry';
import type { StorePools } from '../../src/store/create-store';
import type { QueueStore } from '../../src/store/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { freePort, tempDir, writeJson } from '../support/processes';
import { LogCapture, adminStore, pgTenant, waitFor } from '../support/worker-fixtures';

let db: TestDatabase;
let daemon: DaemonHandle | undefined;
let admin: Array<{ store: QueueStore; pools: StorePools }> = [];
const handled: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('tqw_daemon_pause');
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  for (const a of admin) await a.pools.closeAll();
  admin = [];
});

afterAll(async () => {
  await db?.drop();
});

async function get(port: number, path: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return response.text();
}

test('a pause stops claims of that tenant (or type) on the next claim; healthz and the gauges show it; resume runs the waiting messages', async () => {
  const dir = tempDir('daemon-pause');
  const tenants = [pgTenant('acme', db.url, 'pause_acme'), pgTenant('globex', db.url, 'pause_globex')];
  admin = tenants.map((t) => adminStore(t));
  const [acme, globex] = admin.map((a) => a.store) as [QueueStore, QueueStore];
  for (const store of [acme, globex]) await store.migrate();
  const tenantsFile = writeJson(
    join(dir, 'tenants.json'),
    tenants.map((t) => ({ id: t.id, connectionString: t.connectionString, schema: t.schema })),
  );
  const httpPort = await freePort();
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenantsFile, watch: false },
    http: { host: '127.0.0.1', port: httpPort },
    worker: { pollMinMs: 20, pollMaxMs: 100 },
    metrics: { depthIntervalMs: 200 },
  });
  const handlers = HandlerRegistry.fromHandlers([
    { types: ['SendEmail', 'Report'], transactional: false, handle: (m) => void handled.push(`${m.tenantId}:${m.type}:${m.id}`) },
  ]);
  daemon = await startDaemon({
    config: loadConfig({ configFile, env: {} }),
    logger: new LogCapture('warn').logger,
    redactor: createRedactor([]),
    env: {},
    handlers,
  });

  expect(await acme.pause()).toBe(true);
  expect(await globex.pause('Report')).toBe(true);
  const acmeMail = await acme.enqueue({ tenantId: 'acme', messageType: 'SendEmail', payload: {} });
  const globexMail = await globex.enqueue({ tenantId: 'globex', messageType: 'SendEmail', payload: {} });
  const globexReport = await globex.enqueue({ tenantId: 'globex', messageType: 'Report', payload: {} });

  // The unpaused work runs; the paused work waits Pending with no attempt counted.
  await waitFor(async () => ((await globex.getMessage(globexMail))?.status === 'Completed' ? true : undefined), { timeoutMs: 10_000 });
  await waitFor(
    async () => {
      const health = JSON.parse(await get(httpPort, '/healthz')) as { status: string; tenants: Array<{ id: string; paused: unknown }> };
      const byId = Object.fromEntries(health.tenants.map((t) => [t.id, t.paused]));
      return JSON.stringify(byId) === JSON.stringify({ acme: { all: true, types: [] }, globex: { all: false, types: ['Report'] } })
        ? health
        : undefined;
    },
    { timeoutMs: 10_000 },
  );
  const metrics = await get(httpPort, '/metrics');
  expect(metrics).toMatch(/^tqw_tenant_paused\{tenant="acme"\} 1$/m);
  expect(metrics).toMatch(/^tqw_tenant_paused\{tenant="globex"\} 0$/m);
  expect(metrics).toMatch(/^tqw_message_type_paused\{tenant="globex",type="Report"\} 1$/m);
  expect((JSON.parse(await get(httpPort, '/healthz')) as { status: string }).status).toBe('ok'); // paused is not degraded
  await new Promise((resolve) => setTimeout(resolve, 500)); // several poll intervals
  for (const [store, id] of [
    [acme, acmeMail],
    [globex, globexReport],
  ] as const)
    expect(await store.getMessage(id)).toMatchObject({ status: 'Pending', processingAttempts: 0 });
  expect(handled).toEqual([`globex:SendEmail:${globexMail}`]);

  expect(await acme.resume()).toBe(true);
  expect(await globex.resume('Report')).toBe(true);
  for (const [store, id] of [
    [acme, acmeMail],
    [globex, globexReport],
  ] as const)
    await waitFor(async () => ((await store.getMessage(id))?.status === 'Completed' ? true : undefined), { timeoutMs: 10_000 });
  await waitFor(async () => (/^tqw_tenant_paused\{tenant="acme"\} 0$/m.test(await get(httpPort, '/metrics')) ? true : undefined), {
    timeoutMs: 10_000,
  });
  expect(await acme.getMessage(acmeMail)).toMatchObject({ processingAttempts: 1 });
});
