import { MAX_SNOOZE_MS, isValidSnoozeDelay } from '../../handlers/snooze';
import type { ClaimOptions } from '../types';

/**
 * The input checks both stores make, with the same errors (RangeError naming the argument), so a
 * caller bug fails the same way on either dialect and before any statement runs.
 */

/** Largest value an INT parameter holds on SQL Server (TOP, lease); PostgreSQL's limits are the same by this check. */
export const MAX_INT = 2_147_483_647;

/** Throws a RangeError unless `value` is an integer in [min, MAX_INT]. */
export function assertInt(value: number, min: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > MAX_INT) {
    throw new RangeError(`${what} must be an integer between ${min} and ${MAX_INT}, got ${value}`);
  }
}

/** claim(): limit >= 1 rows, leaseMs >= 0 milliseconds, both integers. */
export function assertClaimOptions({ limit, leaseMs }: ClaimOptions): void {
  assertInt(limit, 1, 'claim limit');
  assertInt(leaseMs, 0, 'claim leaseMs');
}

/** purge(): batchSize >= 1 rows. */
export function assertPurgeBatch(batchSize: number): void {
  assertInt(batchSize, 1, 'purge batchSize');
}

/** listDeadLetters(): limit >= 0 rows. */
export function assertListLimit(limit: number): void {
  assertInt(limit, 0, 'listDeadLetters limit');
}

/** snooze(): delayMs an integer from 0 to MAX_SNOOZE_MS (what the handlers' snooze() accepts). Returns it. */
export function checkedSnoozeDelay(delayMs: number): number {
  if (!isValidSnoozeDelay(delayMs)) {
    throw new RangeError(`snooze delayMs must be an integer between 0 and ${MAX_SNOOZE_MS}, got ${delayMs}`);
  }
  return delayMs;
}
