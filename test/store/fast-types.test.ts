/**
 * The claim's timestamptz parser must return exactly what node-postgres' default parser returns,
 * for every shape PostgreSQL writes (any TimeZone, fractions of 0-6 digits, offsets with minutes or
 * seconds) and for the shapes it hands back to the default (infinity, BC, years < 100 or > 9999).
 */
import pg from 'pg';
import { parseTimestamptz } from '../../src/store/postgres/fast-types';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const defaultParser = pg.types.getTypeParser(1184, 'text') as (text: string) => unknown;

function same(text: string): void {
  const fast = parseTimestamptz(text);
  const slow = defaultParser(text);
  const view = (v: unknown) => (v instanceof Date ? `Date(${v.getTime()})` : String(v));
  expect({ text, value: view(fast) }).toEqual({ text, value: view(slow) });
}

test('edge shapes parse exactly as the default parser does', () => {
  for (const text of [
    '2026-11-24 14:03:12.123456+00',
    '2026-11-24 14:03:12+00',
    '2026-11-24 14:03:12.1+05:30',
    '2026-11-24 14:03:12.999-03:30:15',
    '1999-12-31 23:59:59.999999+14',
    '2024-02-29 00:00:00.000001-12',
    'infinity',
    '-infinity',
    '0044-03-15 12:00:00+00 BC',
    '12345-01-01 00:00:00+00',
    '0099-01-01 00:00:00+00',
    '2026-11-24T14:03:12Z',
  ]) {
    same(text);
  }
});

test('random instants, fractions and offsets parse exactly as the default parser does', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  for (let k = 0; k < 20_000; k++) {
    const offsetMinutes = [0, 60, -60, 330, -210, 840, -720, 345][k % 8]!;
    const local = new Date(Math.floor(random() * 4e12) + offsetMinutes * 60_000);
    const digits = k % 7;
    const fraction =
      digits === 0
        ? ''
        : `.${String(Math.floor(random() * 1e6))
            .padStart(6, '0')
            .slice(0, digits)}`;
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    const offset = `${sign}${pad(Math.floor(abs / 60))}${abs % 60 ? `:${pad(abs % 60)}` : ''}`;
    same(
      `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
        `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${offset}`,
    );
  }
});

describe('against the server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('fast_types');
  });
  afterAll(async () => {
    await db.drop();
  });

  test.each(['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham'])('what PostgreSQL writes with TimeZone %s', async (zone) => {
    const client = new pg.Client({ connectionString: db.url, types: { getTypeParser: () => (text: string) => text } });
    await client.connect();
    try {
      await client.query(`SET TimeZone = '${zone}'`);
      const { rows } = await client.query<{ t: string }>(
        `SELECT (timestamptz '2026-11-24 14:03:12.123456+00' + g * interval '37 minutes 1.000371 seconds')::text AS t FROM generate_series(0, 500) g`,
      );
      for (const { t } of rows) same(t);
    } finally {
      await client.end();
    }
  });
});
