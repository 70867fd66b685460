/**
 * Snoozes on PostgreSQL (the shared cases: snooze-scenarios.ts), and the handler's maxSnoozes.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { PoolClient } from 'pg';
import { run } from '../../src/run';
import { snooze } from '../../src/handlers/snooze';
import type { Handler } from '../../src/handlers/types';
import type { QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { adminStore, pgTenant, sql, startTestWorker, useWorkerTestBed, waitFor } from '../support/worker-fixtures';
import { describeSnoozeScenarios, type SnoozeFixture } from './snooze-scenarios';

const bed = useWorkerTestBed('snooze');
let counter = 0;

const fx: SnoozeFixture = {
  async freshTenant(): Promise<{ tenant: Tenant; store: QueueStore }> {
    const schema = `s_snooze_${++counter}`;
    const tenant = pgTenant(`t${counter}`, bed.db.url, schema);
    const { store, pools } = adminStore(tenant);
    bed.adminPools.push(pools);
    await store.migrate();
    await sql(bed.db.url, `CREATE TABLE "${schema}"."Effects" ("MessageId" uuid PRIMARY KEY, "Note" text NOT NULL)`);
    return { tenant, store };
  },
  async insertEffect(tenant, db, messageId, note) {
    await (db as PoolClient).query(`INSERT INTO "${tenant.schema}"."Effects" ("MessageId", "Note") VALUES ($1, $2)`, [messageId, note]);
  },
  async effects(tenant, messageId) {
    const rows = await sql<{ Note: string }>(bed.db.url, `SELECT "Note" FROM "${tenant.schema}"."Effects" WHERE "MessageId" = $1`, [
      messageId,
    ]);
    return rows.map((r) => r.Note);
  },
  worker(tenants, handlers, options = {}) {
    const w = startTestWorker(tenants, handlers, options);
    bed.workers.push(w);
    return w;
  },
};

describe('snoozes on PostgreSQL', () => {
  describeSnoozeScenarios(fx);

  test("a handler's maxSnoozes overrides worker.maxSnoozes (0: the first snooze dead-letters)", async () => {
    const { tenant, store } = await fx.freshTenant();
    const strict: Handler = { type: 'Strict', maxSnoozes: 0, handle: () => snooze(0) };
    const lenient: Handler = { type: 'Lenient', maxSnoozes: 3, handle: () => snooze(0) };
    const a = await store.enqueue({ tenantId: tenant.id, messageType: 'Strict', payload: {} });
    const b = await store.enqueue({ tenantId: tenant.id, messageType: 'Lenient', payload: {} });
    fx.worker([tenant], [strict, lenient], { maxSnoozes: 1 });
    const dead = await waitFor(
      async () => {
        const rows = await Promise.all([store.getMessage(a), store.getMessage(b)]);
        return rows.every((r) => r?.status === 'DeadLetter') ? rows : undefined;
      },
      { what: 'both messages dead-lettered' },
    );
    expect(dead.map((r) => r!.snoozeCount)).toEqual([0, 3]);
    expect(dead[0]!.errorMessage).toContain('(maxSnoozes 0)');
    expect(dead[1]!.errorMessage).toContain('(maxSnoozes 3)');
  });

  test('the daemon: a handler file that cannot require the package snoozes by hand, and TQW_MAX_SNOOZES caps it', async () => {
    const { tenant, store } = await fx.freshTenant();
    const dir = mkdtempSync(join(tmpdir(), 'tqw-snooze-'));
    const handlersDir = join(dir, 'handlers');
    mkdirSync(handlersDir);
    writeFileSync(
      join(handlersDir, 'poll.cjs'),
      `module.exports = {
  type: 'Poll',
  handle: () => ({ [Symbol.for('tenant-queue-worker.snooze')]: true, delayMs: 50 }),
};
`,
    );
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify([{ id: tenant.id, connectionString: bed.db.url, schema: tenant.schema }]));
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        tenants: { file: tenantsFile, watch: false },
        handlers: { dir: handlersDir },
        http: { host: '127.0.0.1', port: 0 },
        worker: { pollMinMs: 20, pollMaxMs: 100 },
      }),
    );
    const id = await store.enqueue({ tenantId: tenant.id, messageType: 'Poll', payload: {} });
    const daemon = await run({ configFile, env: { TQW_MAX_SNOOZES: '3' }, cwd: dir, logger: pino({ level: 'silent' }) });
    try {
      const dead = await waitFor(async () => {
        const row = await store.getMessage(id);
        return row?.status === 'DeadLetter' ? row : undefined;
      });
      expect(dead).toMatchObject({ processingAttempts: 1, snoozeCount: 3 });
      expect(dead.errorMessage).toContain('(maxSnoozes 3)');
    } finally {
      await daemon.stop();
    }
  });
});
