/**
 * fenceArrays (src/store/postgres/fence-arrays.ts): the three binary arrays of completeMany, read
 * back here with a decoder written from PostgreSQL's documented array_recv layout, and bad fences
 * refused before any SQL is sent. (The server reading them: test/store/postgres-store.test.ts.)
 */
import { fenceArrays } from '../../src/store/postgres/fence-arrays';
import type { ClaimFence } from '../../src/store/types';

const ID = (n: number) => `0190a6f1-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** One-dimensional binary array -> { oid, elements as Buffers }, checking the header as array_recv does. */
function decode(buf: Buffer): { oid: number; elements: Buffer[] } {
  expect(buf.readInt32BE(0)).toBe(1); // dimensions
  expect(buf.readInt32BE(4)).toBe(0); // flags: no NULLs
  const oid = buf.readUInt32BE(8);
  const length = buf.readInt32BE(12);
  expect(buf.readInt32BE(16)).toBe(1); // lower bound
  const elements: Buffer[] = [];
  let at = 20;
  for (let i = 0; i < length; i++) {
    const size = buf.readInt32BE(at);
    elements.push(buf.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  expect(at).toBe(buf.length);
  return { oid, elements };
}

const uuidText = (b: Buffer) => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

describe('fenceArrays', () => {
  test('zips ids, times and attempts in order as uuid[], timestamptz[] and int4[]; shared and distinct times both exact', () => {
    const t1 = new Date('2026-11-24T21:00:00.123Z');
    const t2 = new Date('2026-11-24T21:00:00.124Z');
    const old = new Date('1999-12-31T23:59:59.999Z'); // before PostgreSQL's epoch: a negative count
    const fences: ClaimFence[] = [
      { id: ID(1), dequeueTime: t1, processingAttempts: 1 },
      { id: ID(2), dequeueTime: new Date(t1.getTime()), processingAttempts: 1 },
      { id: 'ABCDEF01-2345-6789-ABCD-EF0123456789', dequeueTime: t2, processingAttempts: 3 },
      { id: ID(4), dequeueTime: t1, processingAttempts: 2 },
      { id: ID(5), dequeueTime: old, processingAttempts: 2_147_483_647 },
    ];
    const [ids, times, attempts] = fenceArrays(fences).map(decode);
    expect(ids!.oid).toBe(2950);
    expect(ids!.elements.map(uuidText)).toEqual([ID(1), ID(2), 'abcdef01-2345-6789-abcd-ef0123456789', ID(4), ID(5)]);
    expect(times!.oid).toBe(1184);
    const micros = times!.elements.map((b) => b.readBigInt64BE(0));
    expect(micros).toEqual([t1, t1, t2, t1, old].map((d) => BigInt(d.getTime() - POSTGRES_EPOCH_MS) * 1000n));
    expect(micros[4]).toBe(-1000n);
    expect(attempts!.oid).toBe(23);
    expect(attempts!.elements.map((b) => b.readInt32BE(0))).toEqual([1, 1, 3, 2, 2_147_483_647]);
  });

  test('an empty batch is an empty array of each type', () => {
    const arrays = fenceArrays([]).map(decode);
    expect(arrays.map((a) => [a.oid, a.elements.length])).toEqual([
      [2950, 0],
      [1184, 0],
      [23, 0],
    ]);
  });

  test('refuses a non-UUID id, a fractional or out-of-range attempt count and an invalid time', () => {
    const ok = { id: ID(1), dequeueTime: new Date(0), processingAttempts: 1 };
    for (const id of ['1,2}', ID(1).replace(/-/g, ''), `${ID(1).slice(0, 35)}g`, `${ID(1).slice(0, 35)}\u0130`, ID(1).replace('-', '0')]) {
      expect(() => fenceArrays([ok, { ...ok, id }])).toThrow(/must be a UUID/);
    }
    expect(() => fenceArrays([{ ...ok, processingAttempts: 1.5 }])).toThrow(/fence (processingAttempts|dequeueTime)/);
    expect(() => fenceArrays([{ ...ok, processingAttempts: 2 ** 31 }])).toThrow(/fence (processingAttempts|dequeueTime)/);
    expect(() => fenceArrays([ok, { ...ok, dequeueTime: new Date(Number.NaN) }])).toThrow(/fence (processingAttempts|dequeueTime)/);
  });
});
