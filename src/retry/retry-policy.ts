import { InvalidPayloadError, NoHandlerError, PayloadTooLargeError, PermanentError, TenantMismatchError, describeError } from '../errors';
import { jitteredDelayMs, type RandomSource } from './backoff';

/**
 * THE retry policy: what a failed attempt becomes (retried after a delay, or dead-lettered), in one
 * place. The worker asks `decideFailure`; the parts a handler or an embedder may replace are the
 * RetryPolicy interface below (as River's ClientRetryPolicy or Oban's backoff/1):
 *
 *   defineHandler({ type: 'Sync', retryPolicy: { delayMs: ({ attempt }) => attempt * 60_000 }, handle })
 *   run({ retryPolicy: { isPermanent: (err) => err instanceof ValidationError } })
 *
 * Rules that are not replaceable, because the queue's guarantees rest on them:
 * - `maxAttempts` bounds the attempts (handler option, else worker.maxAttempts): the last one
 *   dead-letters, whatever the policy says;
 * - a message claimed more often than maxAttempts (its earlier attempts never finished: they killed
 *   the worker or lost the lease) is dead-lettered without running again (exhaustedByCrashes);
 * - a payload that is not JSON or over worker.maxPayloadBytes, and a row of another tenant, are
 *   permanent (engine errors).
 */

/** A failed attempt, as the retry policy sees it. */
export interface FailedAttempt {
  /** The attempt that failed: the claim's ProcessingAttempts (1 on the first delivery). */
  attempt: number;
  /** Attempts allowed for this message type. */
  maxAttempts: number;
  /** What the handler threw, or the engine's own error (NoHandlerError, InvalidPayloadError, ...). */
  error: unknown;
  messageType: string;
}

/** The replaceable part of the retry policy. Every method is optional in an override: the default fills the gaps. */
export interface RetryPolicy {
  /** Milliseconds until the next attempt (called only when attempts remain). Default: exponentialBackoff(). */
  delayMs(failure: FailedAttempt): number;
  /**
   * Whether retrying cannot help (dead-letter now). Default: the exported PermanentError, or any thrown
   * object whose name is 'PermanentError' or whose code is 'TQW_PERMANENT_FAILURE' (see isPermanentError).
   */
  isPermanent(error: unknown): boolean;
}

export interface ExponentialBackoffOptions {
  /** Delay after the first failed attempt (the nominal one: jitter takes it down to half). */
  baseMs: number;
  /** Cap of the nominal delay. */
  maxMs: number;
  /** Injectable randomness (tests pin the jitter). */
  random?: RandomSource;
}

/**
 * The default delay: attempt n failing waits base * 2^(n-1), capped at max, with EQUAL jitter (a
 * uniform value between half and all of that), so messages failing together spread out and none comes
 * back almost at once (a dependency that is down deserves at least half the nominal wait).
 */
export function exponentialBackoff({ baseMs, maxMs, random }: ExponentialBackoffOptions): RetryPolicy['delayMs'] {
  return ({ attempt }) => jitteredDelayMs(attempt, { baseMs, maxMs }, random);
}

/** The name and code a duck-typed permanent error carries (see isPermanentError). */
export const PERMANENT_ERROR_NAME = 'PermanentError';
export const PERMANENT_ERROR_CODE = 'TQW_PERMANENT_FAILURE';

/**
 * True when a handler's failure says "retrying cannot help". Recognised: the exported PermanentError,
 * and, because a module in handlers.dir often cannot import the package, any thrown object whose
 * `name` is 'PermanentError' or whose `code` is 'TQW_PERMANENT_FAILURE'. A plain Error is retried.
 */
export function isPermanentError(err: unknown): boolean {
  if (err instanceof PermanentError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name === PERMANENT_ERROR_NAME || code === PERMANENT_ERROR_CODE;
}

/** The policy with every gap of `override` filled from `base`. */
export function withOverrides(base: RetryPolicy, override: Partial<RetryPolicy> | undefined): RetryPolicy {
  if (!override) return base;
  return {
    delayMs: override.delayMs ?? base.delayMs,
    isPermanent: override.isPermanent ?? base.isPermanent,
  };
}

/** The default policy for a base/max delay. */
export function defaultRetryPolicy(backoff: ExponentialBackoffOptions): RetryPolicy {
  return { delayMs: exponentialBackoff(backoff), isPermanent: isPermanentError };
}

export type FailureDecision = { kind: 'retry'; delayMs: number; error: string } | { kind: 'deadLetter'; error: string };

/** Longest ErrorMessage we store: long enough for a stack summary, short enough for a list view. */
export const MAX_ERROR_MESSAGE_LENGTH = 4000;

/**
 * What a failed attempt becomes: dead-lettered (permanent, or the last allowed attempt), else retried
 * after the policy's delay. The ErrorMessage text says which. Unknown message types are ordinary
 * (retryable) failures: a handler for them may be deploying.
 */
export function decideFailure(failure: FailedAttempt, policy: RetryPolicy, redact: (text: string) => string): FailureDecision {
  const { error, attempt, maxAttempts } = failure;
  const described = redact(describeError(error));
  if (
    error instanceof InvalidPayloadError ||
    error instanceof PayloadTooLargeError ||
    error instanceof TenantMismatchError ||
    policy.isPermanent(error)
  ) {
    return { kind: 'deadLetter', error: truncate(`permanent failure on attempt ${attempt}: ${described}`) };
  }
  if (attempt >= maxAttempts) {
    const what = error instanceof NoHandlerError ? 'no handler appeared' : 'every attempt failed';
    return {
      kind: 'deadLetter',
      error: truncate(`dead-lettered after ${attempt} of ${maxAttempts} attempts (${what}); last error: ${described}`),
    };
  }
  const delayMs = policy.delayMs(failure);
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(
      `the retry policy of message type '${failure.messageType}' returned delay ${delayMs}; it must be a number of milliseconds >= 0`,
    );
  }
  return { kind: 'retry', delayMs: Math.round(delayMs), error: truncate(`attempt ${attempt} of ${maxAttempts} failed: ${described}`) };
}

/**
 * A message claimed more often than it may be attempted: its earlier attempts never finished (they
 * killed the worker or lost the lease). Returns its dead-letter ErrorMessage, or undefined to run it.
 */
export function exhaustedByCrashes(attempt: number, maxAttempts: number, lastError: string | null): string | undefined {
  if (attempt <= maxAttempts) return undefined;
  return truncate(
    `dead-lettered: claimed ${attempt} times, more than maxAttempts ${maxAttempts}; ` +
      'earlier attempts never finished (worker crashed, was killed or lost its lease)' +
      (lastError ? `; last recorded error: ${lastError}` : ''),
  );
}

/** Most characters of an error code kept in the error history (its column is 100 wide). */
const MAX_ERROR_CODE_LENGTH = 100;

/**
 * The code the error history records for a failure: the error's own string `code` (TqwError codes,
 * Node's ECONNREFUSED, a handler's), else its name when it is not plain 'Error', else null.
 */
export function errorCodeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, name } = error as { code?: unknown; name?: unknown };
  const chosen = typeof code === 'string' && code !== '' ? code : typeof name === 'string' && name !== 'Error' && name !== '' ? name : null;
  return chosen === null ? null : chosen.slice(0, MAX_ERROR_CODE_LENGTH);
}

export function truncate(text: string, max = MAX_ERROR_MESSAGE_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)}... [truncated]`;
}
