/**
 * Operability of a real `tqw run` process: readiness during a real drain, metrics that match the
 * table, one tenant's database server stopped while another keeps completing, tenants-file edits,
 * and no secret in any log line or HTTP response of the run.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StorePools } from '../../src/store/create-store';
import type { QueueStore } from '../../src/store/types';
import { ControllablePgServer } from '../support/pg-server';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { DaemonProcess, REPO_ROOT, freePort, httpGet, tempDir, writeJson } from '../support/processes';
import { adminStore, pgTenant, waitFor } from '../support/worker-fixtures';

const HANDLERS = join(REPO_ROOT, 'test', 'fixtures', 'e2e-handlers');
const secrets: string[] = [];
const seen: string[] = [];
const daemons: DaemonProcess[] = [];
const pools: StorePools[] = [];
const dbs: TestDatabase[] = [];

afterAll(async () => {
  for (const d of daemons) if (d.child.exitCode === null) d.kill('SIGKILL');
  await Promise.all(pools.map((p) => p.closeAll()));
  await Promise.all(dbs.map((d) => d.drop()));
  // No password of any tenant appears in any log line or response seen during this file's run.
  const everything = seen.join('\n') + daemons.map((d) => d.raw.join('\n') + d.stderr).join('\n');
  for (const secret of secrets) expect(everything).not.toContain(secret);
});

async function get(port: number, path: string) {
  const r = await httpGet(port, path);
  seen.push(r.body);
  return r;
}

async function setup(tenantIds: string[]) {
  const dir = tempDir('ops');
  const created = await Promise.all(tenantIds.map((id) => createTestDatabase(`ops_${id}`)));
  dbs.push(...created);
  const tenants = tenantIds.map((id, i) => pgTenant(id, created[i]!.url));
  const stores: Record<string, QueueStore> = {};
  for (const t of tenants) {
    const { store, pools: p } = adminStore(t);
    pools.push(p);
    await store.migrate();
    stores[t.id] = store;
  }
  secrets.push(new URL(created[0]!.url).password);
  const port = await freePort();
  const tenantsFile = join(dir, 'tenants.json');
  writeJson(
    tenantsFile,
    tenants.map((t) => ({ id: t.id, connectionString: t.connectionString })),
  );
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenantsFile },
    handlers: { dir: HANDLERS },
    http: { host: '127.0.0.1', port },
    worker: {
      concurrency: 8,
      pollMinMs: 20,
      pollMaxMs: 200,
      backoffBaseMs: 50,
      backoffMaxMs: 100,
      maxAttempts: 2,
      shutdownTimeoutMs: 10_000,
    },
  });
  return { dir, port, tenantsFile, configFile, stores, tenants };
}

function start(configFile: string, env: NodeJS.ProcessEnv = {}) {
  const d = new DaemonProcess(['--config', configFile], { TQW_CONFIG: '', ...env });
  daemons.push(d);
  return d;
}

async function ready(port: number) {
  await waitFor(async () => (await get(port, '/readyz').catch(() => ({ status: 0 }))).status === 200, { what: '/readyz 200' });
}

test('readiness is 503 during a real drain, in-flight work finishes, exit 0', async () => {
  const { port, configFile, stores } = await setup(['drain']);
  const daemon = start(configFile);
  await ready(port);
  const id = await stores.drain!.enqueue({ tenantId: 'drain', messageType: 'Work', payload: { sleepMs: 1500 } });
  await waitFor(async () => (await stores.drain!.getMessage(id))?.status === 'Processing', { what: 'message in flight' });
  daemon.kill('SIGTERM');
  await waitFor(async () => (await get(port, '/readyz')).status === 503, { what: '/readyz 503 while draining' });
  const body = (await get(port, '/readyz')).body;
  expect(body).toContain('draining');
  const exit = await daemon.exited;
  expect(exit.code).toBe(0);
  expect((await stores.drain!.getMessage(id))?.status).toBe('Completed');
});

test('metrics counts match the rows processed', async () => {
  const { port, configFile, stores } = await setup(['m1', 'm2']);
  const daemon = start(configFile);
  await ready(port);
  for (let i = 0; i < 6; i++) await stores.m1!.enqueue({ tenantId: 'm1', messageType: 'Work', payload: {} });
  for (let i = 0; i < 2; i++) await stores.m2!.enqueue({ tenantId: 'm2', messageType: 'Work', payload: { fail: true } });
  await waitFor(async () => (await stores.m1!.stats()).counts.Completed === 6 && (await stores.m2!.stats()).counts.DeadLetter === 2, {
    what: 'rows processed',
  });
  const text = (await get(port, '/metrics')).body;
  const value = (labels: string) => {
    const m = text.match(new RegExp(`^tqw_messages_processed_total\\{${labels}\\} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : 0;
  };
  expect(value('tenant="m1",type="Work",outcome="completed"')).toBe(6);
  // maxAttempts 2: each failing message is retried once, then dead-lettered.
  expect(value('tenant="m2",type="Work",outcome="retried"')).toBe(2);
  expect(value('tenant="m2",type="Work",outcome="dead_lettered"')).toBe(2);
  expect(text).toMatch(/^tqw_tenant_up\{tenant="m1"\} 1$/m);
  expect(text).toMatch(/^tqw_polls_total\{tenant="m1",result="hit"\} \d+$/m);
  daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
});

test('a tenant whose database server stops is reported down while another tenant keeps completing; it recovers', async () => {
  const server = await ControllablePgServer.start('flaky-server-secret-pw');
  secrets.push(server.password);
  try {
    const { port, configFile, tenantsFile, stores, tenants } = await setup(['steady']);
    const flakyUrl = await server.createDatabase('flaky');
    const flaky = pgTenant('flaky', flakyUrl);
    const { store: flakyStore, pools: p } = adminStore(flaky);
    pools.push(p);
    await flakyStore.migrate();
    writeJson(tenantsFile, [
      { id: 'steady', connectionString: tenants[0]!.connectionString },
      { id: 'flaky', connectionString: flakyUrl.replace(server.password, '${FLAKY_PW}') },
    ]);
    const daemon = start(configFile, { FLAKY_PW: server.password });
    await ready(port);
    await server.stop();
    await waitFor(
      async () => {
        const h = JSON.parse((await get(port, '/healthz')).body) as {
          tenants: Array<{ id: string; state: string; consecutiveFailures: number; lastError: string }>;
        };
        const t = h.tenants.find((x) => x.id === 'flaky');
        return t && t.state === 'down' && t.consecutiveFailures > 0 ? t : undefined;
      },
      { what: 'flaky reported down' },
    );
    expect((await get(port, '/readyz')).status).toBe(200);
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await stores.steady!.enqueue({ tenantId: 'steady', messageType: 'Work', payload: {} }));
    await waitFor(async () => (await stores.steady!.stats()).counts.Completed === 20, {
      what: 'steady tenant completes while flaky is down',
    });
    expect((await get(port, '/metrics')).body).toMatch(/^tqw_tenant_up\{tenant="flaky"\} 0$/m);

    await server.startAgain();
    const id = await flakyStore.enqueue({ tenantId: 'flaky', messageType: 'Work', payload: {} });
    await waitFor(async () => (await flakyStore.getMessage(id))?.status === 'Completed', { what: 'flaky catches up', timeoutMs: 90_000 });
    // One warning line per failed poll (one per backoff step), not one per poll interval.
    const failures = daemon.lines.filter((l) => l.tenant === 'flaky' && l.msg === 'tenant poll failed; tenant marked down and backing off');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((l, i) => l.consecutiveFailures === i + 1 || l.consecutiveFailures === 1)).toBe(true);
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  } finally {
    await server.stop();
  }
});

test('editing the tenants file adds and removes tenants; an invalid edit keeps the old map', async () => {
  const { port, configFile, tenantsFile, stores, tenants, dir } = await setup(['first', 'second']);
  writeJson(tenantsFile, [{ id: 'first', connectionString: tenants[0]!.connectionString }]);
  const daemon = start(configFile);
  await ready(port);
  const ids = () =>
    get(port, '/healthz').then((r) => (JSON.parse(r.body) as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id).sort());
  expect(await ids()).toEqual(['first']);

  // Atomic replace, as editors and ConfigMap symlink swaps do.
  const swap = (value: unknown) => {
    const tmp = join(dir, 'tenants.next.json');
    writeFileSync(tmp, typeof value === 'string' ? value : JSON.stringify(value));
    renameSync(tmp, tenantsFile);
  };
  swap(tenants.map((t) => ({ id: t.id, connectionString: t.connectionString })));
  await waitFor(async () => (await ids()).length === 2, { what: 'second tenant added' });
  const id = await stores.second!.enqueue({ tenantId: 'second', messageType: 'Work', payload: {} });
  await waitFor(async () => (await stores.second!.getMessage(id))?.status === 'Completed', { what: 'new tenant works' });

  swap('[{"id": "first", "connectionString": ');
  await waitFor(async () => /tqw_config_reloads_total\{result="failure"\} 1/.test((await get(port, '/metrics')).body), {
    what: 'failed reload counted',
  });
  expect(await ids()).toEqual(['first', 'second']);
  const failure = daemon.lines.find((l) => l.msg === 'tenants file reload failed; keeping the previous tenant map');
  expect(String(failure?.err)).toContain(tenantsFile);

  swap([{ id: 'second', connectionString: tenants[1]!.connectionString }]);
  await waitFor(async () => JSON.stringify(await ids()) === JSON.stringify(['second']), { what: 'first tenant removed' });
  daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
});

test('SIGHUP re-reads the tenants file even with file watching off', async () => {
  const { port, configFile, tenantsFile, tenants, dir } = await setup(['h1', 'h2']);
  writeJson(tenantsFile, [{ id: 'h1', connectionString: tenants[0]!.connectionString }]);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { tenants: Record<string, unknown> };
  config.tenants.watch = false;
  const noWatchConfig = writeJson(join(dir, 'config-nowatch.json'), config);
  const daemon = start(noWatchConfig);
  await ready(port);
  writeJson(
    tenantsFile,
    tenants.map((t) => ({ id: t.id, connectionString: t.connectionString })),
  );
  await new Promise((r) => setTimeout(r, 600));
  const ids = async () =>
    (JSON.parse((await get(port, '/healthz')).body) as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id).sort();
  expect(await ids()).toEqual(['h1']);
  daemon.kill('SIGHUP');
  await waitFor(async () => (await ids()).length === 2, { what: 'reload on SIGHUP' });
  daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
});

test('a second SIGTERM during the drain is logged and the drain goes on: the in-flight message completes, exit 0', async () => {
  const { port, configFile, stores } = await setup(['twice']);
  const daemon = start(configFile);
  await ready(port);
  const id = await stores.twice!.enqueue({ tenantId: 'twice', messageType: 'Work', payload: { sleepMs: 2_000 } });
  await waitFor(async () => (await stores.twice!.getMessage(id))?.status === 'Processing', { what: 'message in flight' });
  daemon.kill('SIGTERM');
  await waitFor(async () => (await get(port, '/readyz')).status === 503, { what: 'draining' });
  daemon.kill('SIGTERM');
  const exit = await daemon.exited;
  expect(exit.code).toBe(0);
  expect((await stores.twice!.getMessage(id))?.status).toBe('Completed');
  const second = daemon.lines.find((l) => String(l.msg).startsWith('already draining'));
  expect(second).toEqual(expect.objectContaining({ signal: 'SIGTERM', drainDeadlineInMs: expect.any(Number) }));
});
