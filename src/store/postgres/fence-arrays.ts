import type { ClaimFence } from '../types';

/**
 * The fences of completeMany as three arrays in PostgreSQL's binary format ($1 uuid[],
 * $2 timestamptz[], $3 integer[]; see FENCE_ROWS in sql/fence.ts). node-postgres sends a Buffer
 * parameter as binary, so the server copies 16, 8 and 4 bytes per element instead of parsing text
 * (figures: docs/performance.md, "Binary fence arrays"). The statement's casts
 * (`$1::uuid[]`, ...) give each parameter its type, and PostgreSQL checks the element type written
 * here against it, so a mismatch is an error, never a misread.
 *
 * Layout (PostgreSQL's array_recv): int32 dimensions (1), int32 flags (0: no NULLs), uint32 element
 * type oid, then per dimension int32 length and int32 lower bound (1); then per element an int32
 * byte length and the element's binary form: uuid = its 16 bytes, timestamptz = int64 microseconds
 * since 2000-01-01 00:00 UTC, int4 = big-endian int32. All integers big-endian.
 */
export function fenceArrays(fences: readonly ClaimFence[]): [Buffer, Buffer, Buffer] {
  const n = fences.length;
  const ids = arrayBuffer(UUID_OID, 16, n);
  const times = arrayBuffer(TIMESTAMPTZ_OID, 8, n);
  const attempts = arrayBuffer(INT4_OID, 4, n);
  // The messages of one claim share their DequeueTime: convert each distinct time once.
  let lastMs = Number.NaN;
  let high = 0;
  let low = 0;
  for (let i = 0; i < n; i++) {
    const f = fences[i] as ClaimFence;
    writeUuid(ids, HEADER + i * 20 + 4, f.id);
    const ms = f.dequeueTime.getTime();
    if (ms !== lastMs) {
      if (!Number.isFinite(ms)) throw new RangeError(`fence dequeueTime of ${f.id} is an invalid Date`);
      // The int64 as two 32-bit halves, computed once: writeBigInt64BE allocates per call.
      const micros = BigInt(ms - POSTGRES_EPOCH_MS) * 1000n;
      high = Number(BigInt.asIntN(32, micros >> 32n));
      low = Number(BigInt.asUintN(32, micros));
      lastMs = ms;
    }
    times.writeInt32BE(high, HEADER + i * 12 + 4);
    times.writeUInt32BE(low, HEADER + i * 12 + 8);
    const tries = f.processingAttempts;
    if (!Number.isInteger(tries) || tries < -0x80000000 || tries > 0x7fffffff) {
      throw new RangeError(`fence processingAttempts of ${f.id} must be an integer column value, got ${tries}`);
    }
    attempts.writeInt32BE(tries, HEADER + i * 8 + 4);
  }
  return [ids, times, attempts];
}

const UUID_OID = 2950;
const TIMESTAMPTZ_OID = 1184;
const INT4_OID = 23;
/** 2000-01-01T00:00:00Z in Unix milliseconds: PostgreSQL's timestamp epoch. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
/** Bytes before the first element of a one-dimensional array. */
const HEADER = 20;

/** A one-dimensional array of `n` elements of `size` bytes each, header and length prefixes written. */
function arrayBuffer(oid: number, size: number, n: number): Buffer {
  const buf = Buffer.allocUnsafe(HEADER + n * (4 + size));
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(0, 4);
  buf.writeUInt32BE(oid, 8);
  buf.writeInt32BE(n, 12);
  buf.writeInt32BE(1, 16);
  for (let i = 0; i < n; i++) buf.writeInt32BE(size, HEADER + i * (4 + size));
  return buf;
}

/** Nibble value of each hex digit's char code (-1: not a hex digit). */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/** Writes the 16 bytes of a UUID in its text form (8-4-4-4-12 hex digits); throws on anything else. */
function writeUuid(buf: Buffer, offset: number, id: string): void {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) {
    throw new TypeError(`fence id must be a UUID, got '${id}'`);
  }
  let pos = 0;
  for (let b = 0; b < 16; b++) {
    if (pos === 8 || pos === 13 || pos === 18 || pos === 23) pos += 1;
    const hi = HEX[id.charCodeAt(pos) & 127] as number;
    const lo = HEX[id.charCodeAt(pos + 1) & 127] as number;
    if (hi < 0 || lo < 0 || id.charCodeAt(pos) > 127 || id.charCodeAt(pos + 1) > 127)
      throw new TypeError(`fence id must be a UUID, got '${id}'`);
    buf[offset + b] = (hi << 4) | lo;
    pos += 2;
  }
}
