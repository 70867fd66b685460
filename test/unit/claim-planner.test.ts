/**
 * ClaimPlanner (src/worker/claim-planner.ts): how much the worker claims, and from which tenants.
 * Real WorkerTenants over real (never connected: the planner issues no statement) PostgreSQL stores.
 */
import pino from 'pino';
import { createPostgresPoolRegistry } from '../../src/store/postgres/create-pool';
import { createPostgresStore } from '../../src/store/postgres/postgres-store';
import type { ClaimedMessage } from '../../src/store/types';
import { ClaimPlanner, MAX_CLAIMS_PER_TENANT, MIN_FAIR_CLAIM } from '../../src/worker/claim-planner';
import { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from '../../src/worker/options';
import { WorkerTenant } from '../../src/worker/worker-tenant';
import { pgTenant } from '../support/worker-fixtures';

const registry = createPostgresPoolRegistry();
const logger = pino({ level: 'silent' });

function tenants(n: number): WorkerTenant[] {
  return Array.from({ length: n }, (_, i) => {
    const tenant = pgTenant(`t${i}`, 'postgres://tqw:pw@127.0.0.1:1/never_connected', `s${i}`);
    return new WorkerTenant(tenant, createPostgresStore(tenant, registry), logger);
  });
}

/** When every planner of this file starts measuring: runAt() times are relative to it, not to a busy clock. */
const START = Date.now();

function planner(options: Partial<WorkerOptions> = {}): ClaimPlanner {
  return new ClaimPlanner({ ...DEFAULT_WORKER_OPTIONS, ...options }, START);
}

/** Runs one offer and records the claims it asks for (counting them in the tenants as the worker does). */
function offer(p: ClaimPlanner, now: number, active: WorkerTenant[], held = 0, blocked = false, completing = 0) {
  const claims: Array<[string, number]> = [];
  const earliest = p.offer(now, active, held, completing, blocked, (tenant, limit) => {
    tenant.counts.claims += 1;
    tenant.counts.reserved += limit;
    claims.push([tenant.id, limit]);
  });
  return { claims, earliest };
}

/** Feeds the planner's rate meter `perSecond` starts per second over 200 ms; returns the time to plan at. */
function runAt(p: ClaimPlanner, perSecond: number): number {
  for (let i = 0; i < perSecond / 5; i++) p.started();
  return START + 200;
}

function buffered(n: number): ClaimedMessage[] {
  return Array.from({ length: n }, (_, i) => ({ id: `m${i}` }) as ClaimedMessage);
}

describe('prefetch room', () => {
  test('is one message per handler slot while nothing has run yet', () => {
    expect(planner({ concurrency: 10 }).prefetchRoom(Date.now())).toBe(10);
  });

  test('follows the rate (what starts in 250 ms), up to worker.prefetch', () => {
    const slow = planner({ concurrency: 10, prefetch: 1_000 });
    expect(slow.prefetchRoom(runAt(slow, 2_000))).toBe(500);
    const fast = planner({ concurrency: 10, prefetch: 1_000 });
    expect(fast.prefetchRoom(runAt(fast, 40_000))).toBe(1_000);
  });

  test('is 0 with worker.prefetch 0', () => {
    const p = planner({ prefetch: 0 });
    expect(p.prefetchRoom(runAt(p, 40_000))).toBe(0);
  });
});

describe('offer', () => {
  test('one due tenant gets one claim of batchSize at a time, even while its claims come back full', () => {
    const p = planner({ concurrency: 10, batchSize: 200, prefetch: 1_000 });
    const now = runAt(p, 40_000);
    const [tenant] = tenants(1);
    tenant!.lastClaimFull = true;
    // room = 10 + 1000, but claims of one queue never overlap (MAX_CLAIMS_PER_TENANT): one of 200.
    expect(MAX_CLAIMS_PER_TENANT).toBe(1);
    expect(offer(p, now, [tenant!]).claims).toEqual([['t0', 200]]);
    // While it is in flight nothing more is asked of this tenant; once it answered, the next follows.
    expect(offer(p, now, [tenant!]).claims).toEqual([]);
    tenant!.counts.claims = 0;
    expect(offer(p, now, [tenant!], 200).claims).toEqual([['t0', 200]]);
  });

  test('with the defaults a fast queue is claimed 1,000 rows at a time, the local queue up to 2,000', () => {
    const p = planner({ concurrency: 10 });
    const now = runAt(p, 40_000);
    expect(p.prefetchRoom(now)).toBe(2_000);
    const [tenant] = tenants(1);
    expect(offer(p, now, [tenant!]).claims).toEqual([['t0', 1_000]]);
  });

  test('messages being completed take no room while one tenant is due, and count while several are', () => {
    const p = planner({ concurrency: 10, batchSize: 1_000, prefetch: 1_000 });
    const now = runAt(p, 40_000);
    // 1,000 claimed and not finished, 900 of them only waiting for their batched completion.
    const [one] = tenants(1);
    expect(offer(p, now, [one!], 1_000, false, 900).claims).toEqual([['t0', 910]]);
    const several = tenants(2);
    const claims = offer(p, now, several, 1_000, false, 900).claims;
    expect(claims.reduce((sum, [, n]) => sum + n, 0)).toBe(10);
  });

  test('a tenant whose last claim came back short gets one claim at a time', () => {
    const p = planner({ concurrency: 10, batchSize: 200, prefetch: 1_000 });
    const [tenant] = tenants(1);
    expect(offer(p, runAt(p, 40_000), [tenant!]).claims).toEqual([['t0', 200]]);
  });

  test('many due tenants share the room in fair slices, round-robin across offers', () => {
    const p = planner({ concurrency: 10, batchSize: 200, prefetch: 1_000 });
    const now = runAt(p, 40_000);
    const active = tenants(100);
    const first = offer(p, now, active).claims;
    // room 1010 among 100 due tenants: slices of MIN_FAIR_CLAIM (50), not 200 for the first five;
    // the last 10 rows of room go to the next tenant.
    expect(first).toEqual([...Array.from({ length: 20 }, (_, i): [string, number] => [`t${i}`, MIN_FAIR_CLAIM]), ['t20', 10]]);
    for (const tenant of active) {
      tenant.counts.claims = 0;
      tenant.counts.reserved = 0;
    }
    // The next offer starts after the last tenant served.
    expect(offer(p, now, active).claims[0]).toEqual(['t21', MIN_FAIR_CLAIM]);
  });

  test('a few due tenants each get up to a full batch', () => {
    const p = planner({ concurrency: 10, batchSize: 200, prefetch: 1_000 });
    const { claims } = offer(p, runAt(p, 40_000), tenants(3));
    expect(claims).toEqual([
      ['t0', 200],
      ['t1', 200],
      ['t2', 200],
    ]);
  });

  test('no small top-up while the tenant still has a message per handler slot buffered', () => {
    const p = planner({ concurrency: 10, batchSize: 200, prefetch: 1_000 });
    const now = runAt(p, 40_000);
    const [tenant] = tenants(1);
    tenant!.buffer.push(buffered(10), now);
    // room = 1010 - held (900): 110 < batchSize, and 10 are buffered: wait for a full batch.
    expect(offer(p, now, [tenant!], 900).claims).toEqual([]);
    tenant!.buffer.shift();
    expect(offer(p, now, [tenant!], 900).claims).toEqual([['t0', 110]]);
  });

  test('claims nothing when blocked, and reports when a tenant not yet due comes due', () => {
    const p = planner({ concurrency: 10, batchSize: 200, prefetch: 1_000 });
    const now = runAt(p, 40_000);
    const [due, later] = tenants(2);
    later!.nextPollAt = now + 1_500;
    expect(offer(p, now, [due!, later!], 0, true).claims).toEqual([]);
    const { claims, earliest } = offer(p, now, [due!, later!]);
    expect(claims.map(([id]) => id)).toEqual(['t0']);
    expect(earliest).toBe(now + 1_500);
  });

  test('worker.tenantConcurrency caps what one tenant holds', () => {
    const p = planner({ concurrency: 10, batchSize: 200, prefetch: 1_000, tenantConcurrency: 3 });
    const [tenant] = tenants(1);
    expect(offer(p, runAt(p, 40_000), [tenant!]).claims).toEqual([['t0', 3]]);
  });
});
