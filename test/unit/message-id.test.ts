/**
 * Time-ordered message ids (src/store/message-id.ts): RFC 9562 version and variant bits, the time
 * where each database sorts first, and order by time under each database's own comparison.
 */
import { newMessageId, sqlServerSequentialId, uuidV7 } from '../../src/store/message-id';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** PostgreSQL compares uuid bytewise from the first byte: for lower-case hex text, plain string order. */
function postgresCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * SQL Server's UNIQUEIDENTIFIER order (SqlGuid.CompareTo, "Comparing GUID and uniqueidentifier
 * values" in the ADO.NET docs): the last six bytes first, then bytes 8-9, 6-7, 4-5 and 0-3.
 * Written from the documented byte order, independently of the generator.
 */
function sqlServerCompare(a: string, b: string): number {
  const bytes = (s: string): number[] => {
    const hex = s.replace(/-/g, '');
    // Text order of .NET's Guid: Data1 (bytes 0-3) little-endian, Data2 (4-5) and Data3 (6-7) too.
    const text = Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
    return [text[3]!, text[2]!, text[1]!, text[0]!, text[5]!, text[4]!, text[7]!, text[6]!, ...text.slice(8)];
  };
  const x = bytes(a);
  const y = bytes(b);
  for (const i of [10, 11, 12, 13, 14, 15, 8, 9, 6, 7, 4, 5, 0, 1, 2, 3]) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return 0;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** RFC 9562 text with version `version`, the variant bits 10, and `ms` in the 48 bits `timeHex` picks out. */
function expectLayout(id: string, version: string, timeHex: (id: string) => string, ms: number): void {
  expect(id).toMatch(UUID_TEXT);
  expect(id[14]).toBe(version);
  expect(['8', '9', 'a', 'b']).toContain(id[19]);
  expect(parseInt(timeHex(id), 16)).toBe(ms);
}

describe('uuidV7 (PostgreSQL order)', () => {
  it('is an RFC 9562 version 7 UUID with the millisecond time in its first 48 bits', () => {
    const ms = Date.UTC(2026, 10, 24, 20, 30, 0, 123);
    expectLayout(uuidV7(ms), '7', (id) => id.replace(/-/g, '').slice(0, 12), ms);
  });

  it('sorts by time under PostgreSQL comparison, whatever the random bits', () => {
    const times = Array.from({ length: 200 }, (_, i) => 1_700_000_000_000 + i * 7);
    const ids = times.map((t) => uuidV7(t));
    expect(shuffled(ids).sort(postgresCompare)).toEqual(ids);
  });

  it('is unique within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidV7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rejects a time that does not fit 48 bits', () => {
    expect(() => uuidV7(-1)).toThrow(RangeError);
    expect(() => uuidV7(2 ** 48)).toThrow(/48-bit/);
  });
});

describe('sqlServerSequentialId (SQL Server order)', () => {
  it('is a version 8 UUID with the time in its last six bytes', () => {
    const ms = Date.UTC(2026, 10, 24, 20, 30, 0, 456);
    expectLayout(sqlServerSequentialId(ms), '8', (id) => id.slice(24), ms);
  });

  it('sorts by time under SQL Server comparison, and a v7 id does not', () => {
    const times = Array.from({ length: 200 }, (_, i) => 1_700_000_000_000 + i * 7);
    const ids = times.map((t) => sqlServerSequentialId(t));
    expect(shuffled(ids).sort(sqlServerCompare)).toEqual(ids);
    // The PostgreSQL layout puts the time where SQL Server looks last: random order there.
    const v7 = times.map((t) => uuidV7(t));
    expect(shuffled(v7).sort(sqlServerCompare)).not.toEqual(v7);
  });

  it('is unique within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => sqlServerSequentialId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('newMessageId', () => {
  it('uses each dialect’s layout with the current time', () => {
    const before = Date.now();
    const pg = newMessageId('postgres');
    const ms = newMessageId('sqlserver');
    const after = Date.now();
    const pgTime = parseInt(pg.replace(/-/g, '').slice(0, 12), 16);
    const msTime = parseInt(ms.slice(24), 16);
    expect(pg[14]).toBe('7');
    expect(ms[14]).toBe('8');
    for (const t of [pgTime, msTime]) {
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThanOrEqual(after);
    }
  });
});
