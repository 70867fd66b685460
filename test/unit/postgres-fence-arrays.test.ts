/**
 * fenceArrays (src/store/postgres/row-mapper.ts): the three array literals of completeMany, with
 * each distinct DequeueTime formatted once, and bad fences refused before any SQL is sent.
 */
import { fenceArrays } from '../../src/store/postgres/row-mapper';
import type { ClaimFence } from '../../src/store/types';

const ID = (n: number) => `0190a6f1-0000-7000-8000-${String(n).padStart(12, '0')}`;

describe('fenceArrays', () => {
  test('zips ids, times and attempts in order; shared and distinct times both written exactly', () => {
    const t1 = new Date('2026-11-24T21:00:00.123Z');
    const t2 = new Date('2026-11-24T21:00:00.124Z');
    const fences: ClaimFence[] = [
      { id: ID(1), dequeueTime: t1, processingAttempts: 1 },
      { id: ID(2), dequeueTime: new Date(t1.getTime()), processingAttempts: 1 },
      { id: ID(3), dequeueTime: t2, processingAttempts: 3 },
      { id: ID(4), dequeueTime: t1, processingAttempts: 2 },
    ];
    expect(fenceArrays(fences)).toEqual([
      `{${ID(1)},${ID(2)},${ID(3)},${ID(4)}}`,
      '{2026-11-24T21:00:00.123Z,2026-11-24T21:00:00.123Z,2026-11-24T21:00:00.124Z,2026-11-24T21:00:00.123Z}',
      '{1,1,3,2}',
    ]);
  });

  test('refuses a non-UUID id, a fractional attempt count and an invalid time', () => {
    const ok = { id: ID(1), dequeueTime: new Date(0), processingAttempts: 1 };
    expect(() => fenceArrays([ok, { ...ok, id: '1,2}' }])).toThrow(/must be a UUID/);
    expect(() => fenceArrays([{ ...ok, processingAttempts: 1.5 }])).toThrow(RangeError);
    expect(() => fenceArrays([ok, { ...ok, dequeueTime: new Date(Number.NaN) }])).toThrow(RangeError);
  });
});
