/**
 * Recurring jobs on PostgreSQL: two schedule runners (two replicas, separate pools) enqueue each
 * occurrence once per tenant with no leader; catch-up after downtime ("latest": the most recent
 * missed occurrence once, "none": nothing) and no backfill of a new schedule; a failing tenant does
 * not stop the others; `tqw run` wiring (the metric, unknown tenant ids refused at start).
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { startDaemon } from '../../src/daemon/daemon';
import { ScheduleRunner, type OccurrenceResult } from '../../src/daemon/schedule-runner';
import { ConfigError } from '../../src/errors';
import { HandlerRegistry } from '../../src/handlers/handler-registry';
import { createRedactor } from '../../src/log/redact';
import { createMetrics } from '../../src/metrics/metrics';
import { occurrenceId } from '../../src/schedules/occurrence-id';
import { parseSchedules } from '../../src/schedules/parse-schedules';
import type { ScheduleConfig } from '../../src/schedules/types';
import type { StorePools } from '../../src/store/create-store';
import type { QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { freePort, tempDir, writeJson } from '../support/processes';
import { LogCapture, adminStore, pgTenant, sql, waitFor } from '../support/worker-fixtures';

let db: TestDatabase;
const pools: StorePools[] = [];
beforeAll(async () => {
  db = await createTestDatabase('schedules');
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.closeAll()));
});
afterAll(async () => {
  await db.drop();
});

const schedules = (raw: unknown[]): ScheduleConfig[] => {
  const problems: string[] = [];
  const parsed = parseSchedules(raw, (p) => problems.push(p));
  expect(problems).toEqual([]);
  return parsed;
};

let schemaCount = 0;
/** Fresh tenants (one schema each), migrated. */
async function tenants(...ids: string[]): Promise<Tenant[]> {
  const made = ids.map((id) => pgTenant(id, db.url, `sch_${++schemaCount}_${id}`));
  for (const t of made) await storeOf(t).migrate();
  return made;
}

/** A store through pools of its own: one replica's view of the tenant. */
function storeOf(tenant: Tenant): QueueStore {
  const { store, pools: p } = adminStore(tenant);
  pools.push(p);
  return store;
}

/** One replica: its own pools for every tenant. */
function replicaStores(map: Tenant[]): Array<{ tenantId: string; store: QueueStore }> {
  return map.map((t) => ({ tenantId: t.id, store: storeOf(t) }));
}

async function rows(tenant: Tenant): Promise<Array<{ Id: string; MessageType: string; Payload: string }>> {
  return sql(db.url, `SELECT "Id", "MessageType", "Payload" FROM "${tenant.schema}"."QueueMessages" ORDER BY "CreatedAt"`);
}

test('two replicas with a "*/1 * * * * *" schedule over ~3 s enqueue each occurrence exactly once per tenant; a listed-tenants schedule only for those', async () => {
  const map = await tenants('a', 'b');
  const config = schedules([
    { name: 'every-second', cron: '*/1 * * * * *', type: 'Tick', payload: { kind: 'tick' } },
    { name: 'only-a', cron: '*/1 * * * * *', type: 'OnlyA', tenants: ['a'] },
  ]);
  const started = Date.now();
  const replicas = [0, 1].map(() => {
    const metrics = createMetrics({ defaultMetrics: false, source: { tenants: () => [] } });
    const logs = new LogCapture();
    const stores = replicaStores(map);
    const runner = new ScheduleRunner({
      schedules: config,
      stores: () => stores,
      logger: logs.logger,
      onEnqueued: (schedule, tenant) => metrics.scheduleEnqueued(schedule, tenant),
      redact: (s) => s,
    });
    return { metrics, logs, runner };
  });
  for (const r of replicas) r.runner.start();
  await new Promise((resolve) => setTimeout(resolve, 3_300));
  await Promise.all(replicas.map((r) => r.runner.stop()));
  const stopped = Date.now();

  const counted = async (schedule: string, tenant: string) => {
    let total = 0;
    for (const r of replicas) {
      const metric = (await r.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'tqw_schedule_enqueued_total');
      for (const v of metric?.values ?? []) if (v.labels.schedule === schedule && v.labels.tenant === tenant) total += v.value;
    }
    return total;
  };
  for (const tenant of map) {
    const found = await rows(tenant);
    for (const [schedule, type] of [
      ['every-second', 'Tick'],
      ['only-a', 'OnlyA'],
    ] as const) {
      const mine = found.filter((r) => r.MessageType === type);
      if (schedule === 'only-a' && tenant.id !== 'a') {
        expect(mine).toEqual([]);
        continue;
      }
      // The occurrences are consecutive seconds after the start (the second seen at start is only
      // recorded: no backfill) up to the stop, each id the deterministic one of its occurrence.
      const seconds = Array.from({ length: 6 }, (_, i) => new Date((Math.floor(started / 1000) + 1 + i) * 1000)).filter(
        (at) => at.getTime() < stopped,
      );
      const expected = new Set(seconds.map((at) => occurrenceId(schedule, tenant.id, at)));
      expect(mine.length).toBeGreaterThanOrEqual(2);
      for (const r of mine) expect(expected.has(r.Id)).toBe(true);
      expect(new Set(mine.map((r) => r.Id)).size).toBe(mine.length);
      const missing = [...expected].filter((id) => !mine.some((r) => r.Id === id));
      // Only the second the timers were stopped in may be missing.
      expect(missing.length).toBeLessThanOrEqual(1);
      // Both replicas tried every occurrence; exactly one of them was told 'enqueued' each time.
      expect(await counted(schedule, tenant.id)).toBe(mine.length);
      if (type === 'Tick') for (const r of mine) expect(JSON.parse(r.Payload)).toEqual({ kind: 'tick' });
    }
  }
  // Both replicas did enqueue some (no leader), and each saw the other's occurrences as already handled.
  for (const r of replicas) expect(r.logs.lines.some((l) => l.outcome === 'already-handled')).toBe(true);
}, 20_000);

test('catch-up after downtime: "latest" enqueues the most recent missed occurrence once, "none" none; a new schedule does not backfill', async () => {
  const [tenant] = await tenants('a');
  let now = new Date('2026-12-01T03:00:00Z');
  const config = schedules([
    { name: 'daily-latest', cron: '0 2 * * *', type: 'Latest', catchUp: 'latest' },
    { name: 'daily-none', cron: '0 2 * * *', type: 'None', catchUp: 'none' },
  ]);
  const runner = () =>
    new ScheduleRunner({
      schedules: config,
      stores: () => replicaStores([tenant!]),
      logger: new LogCapture().logger,
      redact: (s) => s,
      now: () => now,
    });
  const outcomes = (results: OccurrenceResult[]) =>
    Object.fromEntries(results.map((r) => [r.schedule, [r.outcome, r.occurrence.toISOString()]]));

  // First sight, 1 h after today's occurrence: recorded, nothing enqueued.
  expect(outcomes(await runner().tick())).toEqual({
    'daily-latest': ['first-seen', '2026-12-01T02:00:00.000Z'],
    'daily-none': ['first-seen', '2026-12-01T02:00:00.000Z'],
  });
  expect(await rows(tenant!)).toEqual([]);

  // Three days down (three occurrences missed): a restarted replica.
  now = new Date('2026-12-04T05:00:00Z');
  expect(outcomes(await runner().tick())).toEqual({
    'daily-latest': ['enqueued', '2026-12-04T02:00:00.000Z'],
    'daily-none': ['skipped', '2026-12-04T02:00:00.000Z'],
  });
  // Another replica starting at the same time finds both handled.
  expect(outcomes(await runner().tick())).toEqual({
    'daily-latest': ['already-handled', '2026-12-04T02:00:00.000Z'],
    'daily-none': ['already-handled', '2026-12-04T02:00:00.000Z'],
  });
  // The next occurrence, on time: both enqueue it.
  now = new Date('2026-12-05T02:00:00.300Z');
  expect(outcomes(await runner().tick())).toEqual({
    'daily-latest': ['enqueued', '2026-12-05T02:00:00.000Z'],
    'daily-none': ['enqueued', '2026-12-05T02:00:00.000Z'],
  });
  const ids = (await rows(tenant!)).map((r) => r.Id).sort();
  expect(ids).toEqual(
    [
      occurrenceId('daily-latest', 'a', new Date('2026-12-04T02:00:00Z')),
      occurrenceId('daily-latest', 'a', new Date('2026-12-05T02:00:00Z')),
      occurrenceId('daily-none', 'a', new Date('2026-12-05T02:00:00Z')),
    ].sort(),
  );
});

test('a failing tenant is logged with tenant, schedule and occurrence and retried; the other tenants are enqueued', async () => {
  const [good] = await tenants('good');
  // Never migrated: every statement fails (no such table).
  const broken = pgTenant('broken', db.url, 'sch_never_migrated');
  let now = new Date('2026-12-01T10:00:00Z');
  const logs = new LogCapture();
  const stores = replicaStores([broken, good!]);
  const runner = new ScheduleRunner({
    schedules: schedules([{ name: 'hourly', cron: '0 * * * *', type: 'Hourly' }]),
    stores: () => stores,
    logger: logs.logger,
    redact: (s) => s,
    now: () => now,
  });
  expect((await runner.tick()).map((r) => [r.tenantId, r.outcome])).toEqual([
    ['broken', 'failed'],
    ['good', 'first-seen'],
  ]);
  now = new Date('2026-12-01T11:00:01Z');
  expect((await runner.tick()).map((r) => [r.tenantId, r.outcome])).toEqual([
    ['broken', 'failed'],
    ['good', 'enqueued'],
  ]);
  // Settled tenants are not asked again for the same occurrence; the failed one is.
  expect((await runner.tick()).map((r) => [r.tenantId, r.outcome])).toEqual([['broken', 'failed']]);
  const warning = logs.find((l) => l.msg === 'schedule: enqueue failed; retrying shortly');
  expect(warning).toMatchObject({ tenant: 'broken', schedule: 'hourly', occurrence: '2026-12-01T10:00:00.000Z' });
  expect(String(warning?.err)).toContain('QueueSchedules');
  expect((await rows(good!)).map((r) => r.Id)).toEqual([occurrenceId('hourly', 'good', new Date('2026-12-01T11:00:00Z'))]);
});

test('a pass that fails as a whole (the tenant source threw) is logged and retried after retryMs, not at the next occurrence', async () => {
  const [tenant] = await tenants('a');
  const stores = replicaStores([tenant!]);
  let calls = 0;
  const logs = new LogCapture();
  const runner = new ScheduleRunner({
    schedules: schedules([{ name: 'daily', cron: '0 2 * * *', type: 'Daily' }]),
    stores: () => {
      calls += 1;
      if (calls === 1) throw new Error('tenant map unavailable');
      return stores;
    },
    logger: logs.logger,
    redact: (s) => s,
    retryMs: 50,
  });
  runner.start();
  try {
    await waitFor(
      async () => (await sql(db.url, `SELECT 1 FROM "${tenant!.schema}"."QueueSchedules" WHERE "Name" = 'daily'`)).length === 1,
      {
        timeoutMs: 2_000,
        what: 'the retried pass to record the schedule',
      },
    );
  } finally {
    await runner.stop();
  }
  expect(logs.find((l) => l.msg === 'schedule: pass failed; retrying shortly')?.err).toContain('tenant map unavailable');
});

describe('tqw run', () => {
  async function files(schedule: unknown, tenantIds: string[]) {
    const dir = tempDir('schedules-daemon');
    const map = await tenants(...tenantIds);
    const tenantsFile = writeJson(
      join(dir, 'tenants.json'),
      map.map((t) => ({ id: t.id, connectionString: db.url, schema: t.schema })),
    );
    const configFile = writeJson(join(dir, 'config.json'), {
      tenants: { file: tenantsFile, watch: false },
      http: { host: '127.0.0.1', port: await freePort() },
      schedules: [schedule],
    });
    return { configFile, map };
  }

  test('the daemon runs its schedules: messages enqueued and counted in tqw_schedule_enqueued_total; stopped at shutdown', async () => {
    const { configFile, map } = await files({ name: 'tick', cron: '*/1 * * * * *', type: 'Tick' }, ['acme']);
    const logs = new LogCapture();
    const daemon = await startDaemon({
      config: loadConfig({ configFile, env: {} }),
      logger: logs.logger,
      redactor: createRedactor([]),
      env: {},
      handlers: HandlerRegistry.fromHandlers([]),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_300));
    } finally {
      await daemon.stop();
    }
    const enqueued = (await rows(map[0]!)).length;
    expect(enqueued).toBeGreaterThanOrEqual(1);
    const text = await daemon.metrics.registry.metrics();
    expect(text).toContain(`tqw_schedule_enqueued_total{tenant="acme",schedule="tick"} ${enqueued}`);
    // Nothing after the stop.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await rows(map[0]!)).length).toBe(enqueued);
  }, 20_000);

  test('a schedule naming a tenant the tenants file lacks stops the start with TQW_SCHEDULE_INVALID (exit 78)', async () => {
    const { configFile } = await files({ name: 'nightly', cron: '0 2 * * *', type: 'Report', tenants: ['acme', 'initech'] }, ['acme']);
    const start = startDaemon({
      config: loadConfig({ configFile, env: {} }),
      logger: new LogCapture().logger,
      redactor: createRedactor([]),
      env: {},
      handlers: HandlerRegistry.fromHandlers([]),
    });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toMatchObject({
      code: 'TQW_SCHEDULE_INVALID',
      message: expect.stringContaining(`schedule "nightly": tenants names unknown tenant id 'initech'`),
    });
  });
});
