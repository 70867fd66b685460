/**
 * Ids for new messages, ordered by creation time in the order each database sorts its uuid type,
 * so a queue's primary-key index grows at its end instead of at random pages.
 *
 * Why: every claim and every completion writes the primary-key index (PostgreSQL adds an entry for
 * each new row version; SQL Server's clustered key is the Id). With random ids (v4, NEWID()) the
 * rows of one claim batch sit on as many random index pages, each one read, dirtied and logged;
 * with time-ordered ids they are neighbours. Figures: docs/performance.md, "Time-ordered ids".
 *
 * - PostgreSQL: UUIDv7 (RFC 9562 section 5.7): 48-bit Unix time in milliseconds in the first six
 *   bytes, then version 7, 12 random bits, the variant and 62 random bits. PostgreSQL compares
 *   uuid bytewise, first byte first, so the ids sort by time (the same layout as its own uuidv7()).
 * - SQL Server: UNIQUEIDENTIFIER compares the LAST six bytes first (then bytes 8-9, 6-7, 4-5, 0-3),
 *   so a v7 id would sort randomly there. The time goes into those last six bytes instead
 *   (big-endian, as the text form writes them), with version 8 (RFC 9562 section 5.8, a custom
 *   layout) and the variant: the layout of NEWSEQUENTIALID() and EF Core's sequential GUIDs.
 * Ids made within the same millisecond are in random order among themselves (no counter: that
 * would be process-wide mutable state); neighbouring pages are what matters to the index.
 * Uniqueness is the random part: 74 bits per millisecond (PostgreSQL layout), 74 (SQL Server).
 */
import { randomFillSync } from 'node:crypto';
import type { Dialect } from './types';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case 8-4-4-4-12 text of 16 bytes. */
function format(b: Uint8Array): string {
  const h = (i: number): string => HEX[b[i] as number] as string;
  return (
    h(0) +
    h(1) +
    h(2) +
    h(3) +
    '-' +
    h(4) +
    h(5) +
    '-' +
    h(6) +
    h(7) +
    '-' +
    h(8) +
    h(9) +
    '-' +
    h(10) +
    h(11) +
    h(12) +
    h(13) +
    h(14) +
    h(15)
  );
}

/** Writes `ms` as a 48-bit big-endian integer at `offset`. */
function writeTime48(b: Uint8Array, offset: number, ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`time ${ms} does not fit a 48-bit millisecond timestamp`);
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  b[offset] = (high >>> 8) & 0xff;
  b[offset + 1] = high & 0xff;
  b[offset + 2] = (low >>> 24) & 0xff;
  b[offset + 3] = (low >>> 16) & 0xff;
  b[offset + 4] = (low >>> 8) & 0xff;
  b[offset + 5] = low & 0xff;
}

/** A UUIDv7 (PostgreSQL's sort order): time in bytes 0-5. `nowMs` defaults to Date.now(). */
/** UUID text: 8-4-4-4-12 hex digits, any case (the one pattern every UUID check of the project uses). */
export const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidV7(nowMs: number = Date.now()): string {
  const b = randomFillSync(new Uint8Array(16));
  writeTime48(b, 0, nowMs);
  b[6] = 0x70 | ((b[6] as number) & 0x0f); // version 7
  b[8] = 0x80 | ((b[8] as number) & 0x3f); // variant 10
  return format(b);
}

/** A time-ordered id in SQL Server's UNIQUEIDENTIFIER sort order: time in bytes 10-15, version 8. */
export function sqlServerSequentialId(nowMs: number = Date.now()): string {
  const b = randomFillSync(new Uint8Array(16));
  writeTime48(b, 10, nowMs);
  b[6] = 0x80 | ((b[6] as number) & 0x0f); // version 8 (custom layout)
  b[8] = 0x80 | ((b[8] as number) & 0x3f); // variant 10
  return format(b);
}

/** A new message id, time-ordered the way `dialect` sorts uuids. */
export function newMessageId(dialect: Dialect): string {
  return dialect === 'sqlserver' ? sqlServerSequentialId() : uuidV7();
}
