import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { Client } from 'pg';
import { HandlerRegistry } from '../../src/handlers/handler-registry';
import type { Handler } from '../../src/handlers/types';
import { createMetrics, type TqwMetrics } from '../../src/metrics/metrics';
import { StorePools, createStore } from '../../src/store/create-store';
import { DEFAULT_POOL_OPTIONS, type PoolOptions, type QueueStore } from '../../src/store/types';
import type { Tenant } from '../../src/tenants/types';
import { createTestDatabase, type TestDatabase } from './postgres';
import { Worker } from '../../src/worker/worker';
import type { WorkerOptions } from '../../src/worker/options';

/** A PostgreSQL tenant built directly (the tenants-file path is tested in test/unit/tenants*). */
export function pgTenant(id: string, url: string, schema?: string): Tenant {
  const u = new URL(url);
  const redacted = new URL(url);
  if (redacted.password) redacted.password = '***';
  return {
    id,
    dialect: 'postgres',
    connectionString: url,
    schema,
    redactedConnection: redacted.toString(),
    poolKey: `postgres://${u.username}@${u.host}${u.pathname}`,
  };
}

/** Captures pino JSON lines in memory. */
export class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];
  readonly logger: Logger;

  constructor(level = 'debug') {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          this.raw.push(line);
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        cb();
      },
    });
    this.logger = pino({ level }, sink);
  }

  find(predicate: (line: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.lines.find(predicate);
  }
}

export interface TestWorker {
  worker: Worker;
  metrics: TqwMetrics;
  logs: LogCapture;
  pools: StorePools;
  stop(): Promise<void>;
}

export function startTestWorker(
  tenants: Tenant[],
  handlers: Handler[],
  options: Partial<WorkerOptions> = {},
  /** Wraps each store the worker opens (e.g. to count the statements it sends); default: as is. */
  wrapStore: (store: QueueStore, tenant: Tenant) => QueueStore = (store) => store,
  /** Pool settings over DEFAULT_POOL_OPTIONS (e.g. { max: 1 }). */
  poolOptions: Partial<PoolOptions> = {},
): TestWorker {
  const logs = new LogCapture();
  const pools = new StorePools({ ...DEFAULT_POOL_OPTIONS, ...poolOptions });
  let worker!: Worker;
  const metrics = createMetrics({ defaultMetrics: false, source: { tenants: () => worker.gaugeSnapshots() } });
  worker = new Worker({
    handlers: HandlerRegistry.fromHandlers(handlers),
    createStore: (t) => wrapStore(createStore(t, pools), t),
    logger: logs.logger,
    metrics,
    redact: (s) => s,
    options: { pollMinMs: 20, pollMaxMs: 100, backoffBaseMs: 50, backoffMaxMs: 200, ...options },
  });
  worker.start(tenants);
  return {
    worker,
    metrics,
    logs,
    pools,
    async stop() {
      // The worker's books must balance whatever the test did: every total is the sum over its
      // tenants (src/worker/message-ledger.ts), before the drain and once it is stopped.
      const before = worker.auditCounts();
      await worker.stop();
      const after = worker.auditCounts();
      await pools.closeAll();
      if (before.length || after.length) throw new Error(`the worker's counts do not add up: ${[...before, ...after].join('; ')}`);
    },
  };
}

/** A store for the test's own reads and writes (separate pool from the worker's). */
export function adminStore(tenant: Tenant): { store: QueueStore; pools: StorePools } {
  const pools = new StorePools();
  return { store: createStore(tenant, pools), pools };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 25, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function sql<T extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A test file's PostgreSQL database, and the workers and admin pools its tests start. */
export interface WorkerTestBed {
  /** Created in beforeAll, dropped in afterAll. */
  readonly db: TestDatabase;
  /** Stopped after each test. */
  readonly workers: TestWorker[];
  /** Closed after each test. */
  readonly adminPools: StorePools[];
}

/** Registers the hooks of a worker test file: one database for the file, workers and pools cleaned up after each test. */
export function useWorkerTestBed(databaseName: string): WorkerTestBed {
  let db: TestDatabase | undefined;
  const bed: WorkerTestBed = {
    get db(): TestDatabase {
      if (db === undefined) throw new Error('the test database exists only from beforeAll on');
      return db;
    },
    workers: [],
    adminPools: [],
  };
  beforeAll(async () => {
    db = await createTestDatabase(databaseName);
  });
  afterEach(async () => {
    await Promise.all(bed.workers.splice(0).map((w) => w.stop()));
    await Promise.all(bed.adminPools.splice(0).map((p) => p.closeAll()));
  });
  afterAll(async () => {
    await db?.drop();
  });
  return bed;
}
