import mssql from 'mssql';
import type { ClaimFence } from '../types';
import { UUID_TEXT } from '../message-id';

/**
 * Typed parameter binding. Every parameter states its SQL type, so SQL Server compares it with the
 * column without implicit conversions (e.g. NVARCHAR vs the NVARCHAR columns, not VARCHAR), and the
 * plan cache sees one statement shape.
 */

/** Throws a TypeError naming `what` when `id` is not UUID text (SQL Server would fail on the conversion mid-statement). */
export function assertUuid(id: string, what: string): void {
  if (!UUID_TEXT.test(id)) throw new TypeError(`${what} must be a UUID (8-4-4-4-12 hex digits), got '${id}'`);
}

/** Binds the fence: @id, @dequeueTime (DATETIMEOFFSET(3): milliseconds, like the stored value), @attempts. */
export function bindFence(request: mssql.Request, fence: ClaimFence): mssql.Request {
  return request
    .input('id', mssql.UniqueIdentifier, fence.id)
    .input('dequeueTime', mssql.DateTimeOffset(3), fence.dequeueTime)
    .input('attempts', mssql.Int, fence.processingAttempts);
}

/** Upper bound of the delays DATEADD(second, ...) accepts (INT seconds: about 68 years). */
const MAX_DELAY_SECONDS = 2_147_483_647;

/**
 * Splits a delay in milliseconds into whole seconds and the remaining milliseconds, so DATEADD
 * (which takes an INT) can add delays longer than 24.8 days. Negative delays count as 0;
 * fractions of a millisecond are rounded.
 */
export function splitDelay(delayMs: number, what: string): { seconds: number; millis: number } {
  if (!Number.isFinite(delayMs)) throw new RangeError(`${what} must be a finite number of milliseconds, got ${delayMs}`);
  const ms = Math.max(0, Math.round(delayMs));
  const seconds = Math.floor(ms / 1000);
  if (seconds > MAX_DELAY_SECONDS) throw new RangeError(`${what} of ${delayMs} ms is too long (at most ${MAX_DELAY_SECONDS} s)`);
  return { seconds, millis: ms - seconds * 1000 };
}

/** Binds @delaySeconds and @delayMillis (see NOW_PLUS_DELAY) from splitDelay's result. */
export function bindDelayParts(request: mssql.Request, delay: { seconds: number; millis: number }): mssql.Request {
  return request.input('delaySeconds', mssql.Int, delay.seconds).input('delayMillis', mssql.Int, delay.millis);
}

/** Binds @delaySeconds and @delayMillis for a delay in milliseconds (`what` names it in errors). */
export function bindDelay(request: mssql.Request, delayMs: number, what: string): mssql.Request {
  return bindDelayParts(request, splitDelay(delayMs, what));
}

/**
 * The fences as the JSON text complete-many's OPENJSON reads. Times are written as
 * `YYYY-MM-DDThh:mm:ss.fff+00:00`, the ISO 8601 form DATETIMEOFFSET converts from in any
 * language/dateformat setting.
 */
export function fencesJson(fences: readonly ClaimFence[]): string {
  return JSON.stringify(
    fences.map((f) => {
      assertUuid(f.id, 'fence id');
      return { id: f.id, dequeueTime: isoOffset(f.dequeueTime), attempts: f.processingAttempts };
    }),
  );
}

function isoOffset(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('fence dequeueTime is an invalid Date');
  return d.toISOString().replace('Z', '+00:00');
}
