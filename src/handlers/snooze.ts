import { SnoozeInvalidError } from '../errors';

/**
 * Longest snooze: 30 days. Long enough for any "wait for that resource" and far below the 68 years
 * the SQL Server delay arithmetic holds; a handler that must wait longer snoozes again when it runs.
 */
export const MAX_SNOOZE_MS = 30 * 86_400_000;

/**
 * Marks a Snooze. Symbol.for (the global registry), so a snooze made by another copy of the package
 * (a handler folder with its own node_modules) is still recognised; the worker re-checks its delay.
 */
const SNOOZE = Symbol.for('tenant-queue-worker.snooze');

/** What a handler returns to run its message again `delayMs` later without counting an attempt. */
export interface Snooze {
  readonly [SNOOZE]: true;
  /** Milliseconds from the database's now() to the message's next run. */
  readonly delayMs: number;
}

/**
 * `return snooze(ms)` from a handler: the message runs again `ms` later (by the database clock),
 * its attempt not counted (Pending, ProcessingAttempts unchanged, SnoozeCount + 1). A transactional
 * handler's writes are rolled back. Snoozing more than maxSnoozes times dead-letters the message
 * (TQW_SNOOZE_LIMIT).
 * @param ms whole milliseconds, 0..MAX_SNOOZE_MS (30 days)
 * @throws SnoozeInvalidError (TQW_SNOOZE_INVALID) for anything else
 */
export function snooze(ms: number): Snooze {
  if (!isValidSnoozeDelay(ms)) throw new SnoozeInvalidError(ms, MAX_SNOOZE_MS);
  return Object.freeze({ [SNOOZE]: true as const, delayMs: ms });
}

/** Whether a handler's return value is a snooze (made by snooze(), of this copy of the package or another). */
export function isSnooze(value: unknown): value is Snooze {
  return typeof value === 'object' && value !== null && (value as Partial<Snooze>)[SNOOZE] === true;
}

/** A delay snooze() accepts: a safe integer from 0 to MAX_SNOOZE_MS. */
export function isValidSnoozeDelay(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_SNOOZE_MS;
}
