/**
 * The benchmark harness (bench/) works: its statistics helpers compute what the report
 * prints, its options parse as documented, and one tiny scenario (tqw draining 200 messages through
 * a real contender process against the test PostgreSQL) produces a complete, verified result that
 * the report renders. No speed is asserted: speed targets live in bench/, not in timed tests.
 */
import { randomBytes } from 'node:crypto';
import { pgAdminUrl } from '../support/postgres';

// The harness is plain CommonJS JavaScript (it runs without a build step); these are the parts of
// its modules this test uses, typed here because the .js files carry no declarations.
interface Summary {
  n: number;
  median: number | null;
  min: number | null;
  max: number | null;
}
interface StatsModule {
  percentile(values: number[], p: number): number | null;
  summarize(values: number[]): Summary;
  latencyPercentiles(samples: number[]): { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };
  ratio(a: number | null, b: number | null): number | null;
  spread(finishMs: Record<string, number>): {
    tenants: number;
    medianMs: number | null;
    slowestVsMedian: number | null;
    fastestVsMedian: number | null;
  };
}
interface Sizes {
  drainMessages: number;
  concurrency: number;
  growthTenants: number[];
  [key: string]: unknown;
}
interface Options {
  runs: number;
  scenarios: string[];
  quick: boolean;
  sizes: Sizes;
  overridden: Record<string, unknown>;
}
interface DrainResult {
  expected: number;
  handled: number;
  duplicates: number;
  timedOut: boolean;
  elapsedMs: number | null;
  ratePerS: number | null;
  tenantFinishMs?: Record<string, number>;
  verified: { completedInDatabase?: number; rowsLeftInDatabase?: number } | null;
  /** µs of CPU per message between the first and the last handler start (postgres: null without /proc). */
  cpuUsPerMessage?: { worker: number; postgres: number | null };
}
interface BenchDb {
  adminUrl: string;
  workerUrl: string;
  database: string;
}

const stats = require('../../bench/lib/stats') as StatsModule;
const { parseOptions, UsageError, FULL_SIZES } = require('../../bench/lib/options') as {
  parseOptions(argv: string[]): Options;
  UsageError: new (message: string) => Error;
  FULL_SIZES: Sizes;
};
const { createBenchDatabase, dropBenchDatabase, tenantSchema } = require('../../bench/lib/bench-database') as {
  createBenchDatabase(url: string, o: { database: string }): Promise<BenchDb>;
  dropBenchDatabase(url: string, database: string): Promise<void>;
  tenantSchema(i: number): string;
};
const { drainSeries, verificationNote } = require('../../bench/scenarios/drain-series') as {
  drainSeries(
    ctx: unknown,
    subject: unknown,
    o: { schemas: string[]; perTenant: number; timeLimitMs: number; trackTenants?: boolean; warmUp?: boolean; step: string },
  ): Promise<DrainResult[]>;
  verificationNote(results: DrainResult[]): string | undefined;
};
const { urlsFor } = require('../../bench/scenarios/drain-series') as {
  urlsFor(ctx: unknown, subject: unknown): { workerUrl: string; adminUrl: string };
};
const { withContender } = require('../../bench/lib/contender-process') as {
  withContender<T>(
    o: { contender: string; execPath: string },
    fn: (proc: { request(cmd: string, args?: unknown): Promise<unknown> }) => Promise<T>,
  ): Promise<T>;
};
const { subject } = require('../../bench/scenarios/subjects') as { subject(label: string): { label: string; contender: string } };
const { measurement } = require('../../bench/lib/measurement') as {
  measurement(m: { scenario: string; subject: string; metric: string; unit: string; values: number[] }): { summary: Summary };
};
const { renderTable } = require('../../bench/lib/console-table') as { renderTable(ms: unknown[]): string };
type CpuTimes = { ppid: number; self: number; children: number };
const { postgresCpuSeconds, postgresCpuSnapshot } = require('../../bench/lib/proc-usage') as {
  postgresCpuSeconds(from: Map<number, CpuTimes>, to: Map<number, CpuTimes>): number;
  postgresCpuSnapshot(): Map<number, CpuTimes> | null;
};

describe('PostgreSQL CPU between two snapshots', () => {
  const snap = (entries: Array<[number, CpuTimes]>) => new Map(entries);
  const postmaster = (self: number, children: number): [number, CpuTimes] => [100, { ppid: 1, self, children }];
  const backend = (pid: number, self: number): [number, CpuTimes] => [pid, { ppid: 100, self, children: 0 }];

  it('adds what each process used in between', () => {
    expect(postgresCpuSeconds(snap([postmaster(1, 0), backend(101, 2)]), snap([postmaster(1.5, 0), backend(101, 5)]))).toBeCloseTo(3.5);
  });

  it('counts a backend that exited in between by what it used after the first snapshot (its time moved to the postmaster)', () => {
    // 101 used 2 s before, 3 s after the first snapshot, then exited: the postmaster reaped 5 s.
    expect(postgresCpuSeconds(snap([postmaster(1, 0), backend(101, 2)]), snap([postmaster(1, 5)]))).toBeCloseTo(3);
  });

  it('counts a backend started in between in full', () => {
    expect(postgresCpuSeconds(snap([postmaster(1, 0)]), snap([postmaster(1, 0), backend(102, 0.5)]))).toBeCloseTo(0.5);
  });

  it('never goes down when another server stops in between', () => {
    const other: Array<[number, CpuTimes]> = [
      [200, { ppid: 1, self: 7, children: 30 }],
      [201, { ppid: 200, self: 9, children: 0 }],
    ];
    expect(
      postgresCpuSeconds(snap([postmaster(1, 0), backend(101, 2), ...other]), snap([postmaster(1, 0), backend(101, 2.25)])),
    ).toBeCloseTo(0.25);
  });

  it('reads this machine: every postgres process with non-negative times', () => {
    const now = postgresCpuSnapshot();
    expect(now).not.toBeNull();
    for (const times of now!.values()) expect(Math.min(times.self, times.children)).toBeGreaterThanOrEqual(0);
    expect(postgresCpuSeconds(now!, postgresCpuSnapshot()!)).toBeGreaterThanOrEqual(0);
  });
});

describe('bench statistics helpers', () => {
  it('interpolates percentiles between closest ranks and ignores non-finite values', () => {
    const values = [10, 1, 4, 2, 3, NaN];
    expect(stats.percentile(values, 50)).toBe(3);
    expect(stats.percentile(values, 0)).toBe(1);
    expect(stats.percentile(values, 100)).toBe(10);
    // rank 0.75 * 4 = 3 -> the 4th smallest; 0.9 * 4 = 3.6 -> 4 + 0.6 * (10 - 4)
    expect(stats.percentile(values, 75)).toBe(4);
    expect(stats.percentile(values, 90)).toBeCloseTo(7.6, 10);
    expect(stats.percentile([], 50)).toBeNull();
    expect(() => stats.percentile(values, 101)).toThrow(RangeError);
  });

  it('summarizes runs as median, min and max', () => {
    expect(stats.summarize([3, 1, 2, 10])).toEqual({ n: 4, median: 2.5, min: 1, max: 10 });
    expect(stats.summarize([])).toEqual({ n: 0, median: null, min: null, max: null });
  });

  it('gives latency percentiles of 1..100 ms samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    const p = stats.latencyPercentiles(samples);
    expect(p.n).toBe(100);
    expect(p.p50).toBeCloseTo(50.5, 10);
    expect(p.p95).toBeCloseTo(95.05, 10);
    expect(p.p99).toBeCloseTo(99.01, 10);
    expect(p.max).toBe(100);
  });

  it('computes ratios and the fairness spread against the median tenant', () => {
    expect(stats.ratio(6, 3)).toBe(2);
    expect(stats.ratio(1, 0)).toBeNull();
    expect(stats.ratio(null, 3)).toBeNull();
    const s = stats.spread({ a: 100, b: 200, c: 300 });
    expect(s).toMatchObject({ tenants: 3, medianMs: 200, slowestVsMedian: 1.5, fastestVsMedian: 0.5 });
  });
});

describe('bench options', () => {
  it('defaults to the issue sizes, 3 runs and every scenario', () => {
    const o = parseOptions([]);
    expect(o.runs).toBe(3);
    expect(o.scenarios).toEqual(['drain', 'many-tenants', 'latency', 'idle', 'growth', 'features']);
    expect(o.sizes.drainMessages).toBe(50_000);
    expect(o.sizes.growthTenants).toEqual([1, 10, 100, 1_000]);
  });

  it('shrinks sizes with --quick and overrides one with --size', () => {
    const o = parseOptions([
      '--quick',
      '--runs',
      '2',
      '--scenario',
      'drain,latency',
      '--size',
      'drainMessages=300',
      '--size',
      'growthTenants=1,5',
    ]);
    expect(o.runs).toBe(2);
    expect(o.scenarios).toEqual(['drain', 'latency']);
    expect(o.sizes.drainMessages).toBe(300);
    expect(o.sizes.growthTenants).toEqual([1, 5]);
    expect(o.overridden).toEqual({ drainMessages: 300, growthTenants: [1, 5] });
    expect(FULL_SIZES.drainMessages).toBe(50_000);
  });

  it('rejects an unknown scenario, a bad run count and an unknown size, naming the flag', () => {
    expect(() => parseOptions(['--scenario', 'drian'])).toThrow(/--scenario: unknown scenario 'drian'/);
    expect(() => parseOptions(['--runs', '0'])).toThrow(/--runs must be an integer >= 1/);
    expect(() => parseOptions(['--size', 'nope=1'])).toThrow(UsageError);
    expect(() => parseOptions(['--bogus'])).toThrow(UsageError);
  });
});

describe('bench tiny scenario: tqw drains 200 messages through a contender process', () => {
  const database = `tqw_bench_test_${randomBytes(4).toString('hex')}`;
  let db: BenchDb;

  beforeAll(async () => {
    db = await createBenchDatabase(pgAdminUrl(), { database });
  });

  afterAll(async () => {
    await dropBenchDatabase(pgAdminUrl(), database);
  });

  /** A run's context as bench/run.js builds it (quick sizes, 2 runs), recording the progress labels. */
  function runContext() {
    const steps: string[] = [];
    const ctx = {
      options: parseOptions(['--quick', '--runs', '2']),
      db,
      runtimes: { tqw: { execPath: process.execPath, version: process.version } },
      mssqlUrl: null,
      versions: {} as Record<string, unknown>,
      progress: { begin: (label: string) => steps.push(label), end: () => 0, log: () => undefined },
    };
    return { ctx, steps };
  }

  it('drains every message once, leaves them Completed, and reports a rate and per-tenant finish times', async () => {
    const { ctx, steps } = runContext();
    const schemas = [tenantSchema(1), tenantSchema(2)];
    const results = await drainSeries(ctx, subject('tqw non-transactional'), {
      schemas,
      perTenant: 100,
      timeLimitMs: 30_000,
      trackTenants: true,
      step: 'test drain',
    });

    expect(results).toHaveLength(2);
    expect(steps).toEqual(['test drain: tqw non-transactional, run 1/2', 'test drain: tqw non-transactional, run 2/2']);
    for (const r of results) {
      expect(r).toMatchObject({ expected: 200, handled: 200, duplicates: 0, timedOut: false });
      expect(r.verified).toEqual({ completedInDatabase: 200 });
      expect(r.ratePerS).toBeGreaterThan(0);
      expect(Object.keys(r.tenantFinishMs ?? {}).sort()).toEqual(schemas);
    }
    expect(verificationNote(results)).toBeUndefined();
    expect(ctx.versions.tqw).toMatchObject({ node: process.version });

    const m = measurement({
      scenario: 'drain',
      subject: 'tqw non-transactional',
      metric: 'drain rate',
      unit: 'msg/s',
      values: results.map((r) => r.ratePerS ?? NaN),
    });
    expect(m.summary.n).toBe(2);
    const table = renderTable([m]);
    expect(table).toContain('tqw non-transactional');
    expect(table).toContain('drain rate');
  });

  it("the contender's roundTrip command times SELECT 1 against the tenants' server (the SQL Server pickup target's allowance)", async () => {
    const { ctx } = runContext();
    const tqw = subject('tqw non-transactional') as { label: string; contender: string; variant?: string; dialect?: string };
    const result = await withContender({ contender: 'tqw', ...ctx.runtimes.tqw }, async (proc) => {
      await proc.request('setup', {
        ...urlsFor(ctx, tqw),
        schemas: [tenantSchema(4)],
        variant: tqw.variant,
        concurrency: 1,
        dialect: tqw.dialect,
      });
      return (await proc.request('roundTrip', { samples: 5 })) as { medianMs: number };
    });
    expect(result.medianMs).toBeGreaterThan(0);
    expect(result.medianMs).toBeLessThan(10_000);
  });

  it('a warm-up drain comes first and is not counted; each timed run reports the CPU per message of the worker and of PostgreSQL', async () => {
    const { ctx, steps } = runContext();
    const results = await drainSeries(ctx, subject('tqw non-transactional, fast settings'), {
      schemas: [tenantSchema(3)],
      perTenant: 300,
      timeLimitMs: 30_000,
      warmUp: true,
      step: 'warm',
    });
    expect(steps).toEqual([
      'warm: tqw non-transactional, fast settings, warm-up (untimed)',
      'warm: tqw non-transactional, fast settings, run 1/2',
      'warm: tqw non-transactional, fast settings, run 2/2',
    ]);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r).toMatchObject({ expected: 300, handled: 300, duplicates: 0, timedOut: false });
      // deleteOnCompletion (one of the fast settings): no row left behind.
      expect(r.verified).toEqual({ rowsLeftInDatabase: 0 });
      expect(r.cpuUsPerMessage?.worker).toBeGreaterThan(0);
      // Read from /proc (Linux); 0 when the server runs elsewhere (PG_URL to another host or container).
      expect(r.cpuUsPerMessage?.postgres).toEqual(expect.any(Number));
      expect(r.cpuUsPerMessage!.postgres!).toBeGreaterThanOrEqual(0);
    }
  });
});
