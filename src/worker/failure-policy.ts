import {
  InvalidPayloadError,
  NoHandlerError,
  PayloadTooLargeError,
  TenantMismatchError,
  describeError,
} from '../errors';
import { isPermanentError } from '../handlers/is-permanent-error';
import { retryDelayMs, type RandomSource } from './backoff';

/** The effective retry settings of one message type (handler overrides, else worker defaults). */
export interface RetryPolicy {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export type FailureDecision =
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'deadLetter'; error: string };

/** Longest ErrorMessage we store: long enough for a stack summary, short enough for a list view. */
export const MAX_ERROR_MESSAGE_LENGTH = 4000;

/** Errors for which retrying the same message cannot help: dead-letter at once. */
export function isPermanentFailure(err: unknown): boolean {
  return err instanceof InvalidPayloadError || err instanceof PayloadTooLargeError || err instanceof TenantMismatchError || isPermanentError(err);
}

/**
 * Decides what a failed attempt becomes: retried after backoff, or dead-lettered (permanent error,
 * or this was the last allowed attempt). `attempt` is the ProcessingAttempts value of the claim.
 * Unknown message types are ordinary (retryable) failures: a handler for them may be deploying.
 */
export function decideFailure(
  err: unknown,
  attempt: number,
  policy: RetryPolicy,
  redact: (text: string) => string,
  random?: RandomSource,
): FailureDecision {
  const described = redact(describeError(err));
  if (isPermanentFailure(err)) {
    return { kind: 'deadLetter', error: truncate(`permanent failure on attempt ${attempt}: ${described}`) };
  }
  if (attempt >= policy.maxAttempts) {
    const what = err instanceof NoHandlerError ? 'no handler appeared' : 'every attempt failed';
    return {
      kind: 'deadLetter',
      error: truncate(`dead-lettered after ${attempt} of ${policy.maxAttempts} attempts (${what}); last error: ${described}`),
    };
  }
  return {
    kind: 'retry',
    delayMs: retryDelayMs(attempt, { baseMs: policy.backoffBaseMs, maxMs: policy.backoffMaxMs }, random),
    error: truncate(`attempt ${attempt} of ${policy.maxAttempts} failed: ${described}`),
  };
}

export function truncate(text: string, max = MAX_ERROR_MESSAGE_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)}... [truncated]`;
}
