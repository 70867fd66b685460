/**
 * The bench's target checker (bench/lib/targets.js) on hand-made measurements: the SQL Server pickup
 * target (p95 no worse than worker.sqlServerProbeMs plus one measured round trip) is "not measured"
 * without SQL Server subjects, met or not met against its own subject's round trip, and never met
 * without a round trip to compare with; and a PostgreSQL row keeps its threshold.
 */
import { join } from 'node:path';

interface Measurement {
  scenario: string;
  subject: string;
  metric: string;
}
interface TargetRow {
  text: string;
  value: number | null;
  status: 'met' | 'not met' | 'not measured';
}
const BENCH = join(__dirname, '..', '..', 'bench', 'lib');
const { checkTargets } = require(join(BENCH, 'targets.js')) as {
  checkTargets(ms: Measurement[], sizes: { idleTenants: number }): TargetRow[];
};
const { measurement } = require(join(BENCH, 'measurement.js')) as {
  measurement(m: { scenario: string; subject: string; metric: string; unit: string; values: number[]; better?: string }): Measurement;
};

const latency = (subject: string, metric: string, values: number[]) =>
  measurement({ scenario: 'latency', subject, metric, unit: 'ms', values, better: 'lower' });
const rowsAbout = (rows: TargetRow[], words: string) => rows.filter((r) => r.text.includes(words));
const SIZES = { idleTenants: 1000 };

test('SQL Server pickup rows are "not measured" when no SQL Server subject ran', () => {
  const rows = rowsAbout(checkTargets([latency('tqw non-transactional', 'pickup p95', [5, 6, 7])], SIZES), 'on SQL Server');
  expect(rows.map((r) => r.text)).toEqual([
    'Pickup latency on SQL Server, idle, p95 <= worker.sqlServerProbeMs (250 ms) + one round trip (tqw non-transactional)',
    'Pickup latency on SQL Server, idle, p95 <= worker.sqlServerProbeMs (250 ms) + one round trip (tqw transactional)',
  ]);
  expect(rows.map((r) => r.status)).toEqual(['not measured', 'not measured']);
});

test('SQL Server pickup: p95 (median of runs) against 250 ms plus the median round trip of the same subject', () => {
  const ms = [
    latency('tqw non-transactional (SQL Server)', 'pickup p95', [240, 251, 300]),
    latency('tqw non-transactional (SQL Server)', 'round trip', [0.9, 1.2, 1.1]),
    latency('tqw transactional (SQL Server)', 'pickup p95', [252, 253, 254]),
    latency('tqw transactional (SQL Server)', 'round trip', [1.0, 1.1, 1.2]),
  ];
  const [non, tx] = rowsAbout(checkTargets(ms, SIZES), 'on SQL Server');
  expect(non).toMatchObject({ value: 251, status: 'met' }); // 251 <= 250 + 1.1
  expect(tx).toMatchObject({ value: 253, status: 'not met' }); // 253 > 250 + 1.1
});

test('SQL Server pickup with no round trip measured is never met', () => {
  const [non] = rowsAbout(
    checkTargets([latency('tqw non-transactional (SQL Server)', 'pickup p95', [10, 10, 10])], SIZES),
    'on SQL Server',
  );
  expect(non).toMatchObject({ value: 10, status: 'not met' });
});

test('PostgreSQL pickup rows keep their 4 ms threshold', () => {
  const [row] = rowsAbout(
    checkTargets([latency('tqw transactional', 'pickup p50', [3.9, 4.1, 4.2])], SIZES),
    'PostgreSQL, idle, p50 <= 4 ms (tqw transactional)',
  );
  expect(row).toMatchObject({ value: 4.1, status: 'not met' });
});
