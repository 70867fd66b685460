/**
 * The error catalogue: every error tqw raises on purpose has a class here and a stable `code`
 * (documented in the README). Messages say what is wrong, where, and how to fix it, and never
 * carry a secret: callers pass connection strings through `redactConnectionString` first.
 */
import { withPrivilegeHint } from './store/privilege-hint';

export type TqwErrorCode =
  | 'TQW_CONFIG_INVALID'
  | 'TQW_TENANTS_INVALID'
  | 'TQW_CONNECTION_STRING_INVALID'
  | 'TQW_ENV_VAR_UNSET'
  | 'TQW_HANDLER_INVALID'
  | 'TQW_HANDLER_DUPLICATE_TYPE'
  | 'TQW_SCHEDULE_INVALID'
  | 'TQW_LEASE_LOST'
  | 'TQW_PERMANENT_FAILURE'
  | 'TQW_HANDLER_TIMEOUT'
  | 'TQW_PAYLOAD_INVALID_JSON'
  | 'TQW_PAYLOAD_TOO_LARGE'
  | 'TQW_TENANT_MISMATCH'
  | 'TQW_NO_HANDLER'
  | 'TQW_ABORTED'
  | 'TQW_TRANSACTION_CLOSED'
  | 'TQW_QUERY_IN_FLIGHT'
  | 'TQW_SNOOZE_INVALID'
  | 'TQW_SNOOZE_LIMIT'
  | 'TQW_USAGE'
  | 'TQW_CONSOLE_UNAVAILABLE';

export class TqwError extends Error {
  readonly code: TqwErrorCode;

  constructor(code: TqwErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Invalid configuration of any kind (config file, tenants file, connection string, handler
 * directory). The process exits with EX_CONFIG (78) before any work when one is thrown at start-up.
 */
export class ConfigError extends TqwError {
  constructor(
    message: string,
    code: Extract<
      TqwErrorCode,
      | 'TQW_CONFIG_INVALID'
      | 'TQW_TENANTS_INVALID'
      | 'TQW_CONNECTION_STRING_INVALID'
      | 'TQW_ENV_VAR_UNSET'
      | 'TQW_HANDLER_INVALID'
      | 'TQW_HANDLER_DUPLICATE_TYPE'
      | 'TQW_SCHEDULE_INVALID'
    > = 'TQW_CONFIG_INVALID',
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Exit code for configuration errors (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78;

/**
 * Thrown by a handler to say "retrying cannot help": the message is dead-lettered at once
 * with this error's message in ErrorMessage. Exported for handler authors.
 */
export class PermanentError extends TqwError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TQW_PERMANENT_FAILURE', message, options);
  }
}

/** The claim's fence no longer matches: the lease expired and another worker reclaimed the message. */
export class LeaseLostError extends TqwError {
  constructor(messageId: string) {
    super(
      'TQW_LEASE_LOST',
      `lease on message ${messageId} was lost (it expired and the message was reclaimed or changed); ` +
        'this attempt is discarded. Raise worker.leaseMs if handlers legitimately run this long.',
    );
  }
}

/** The handler ran past its timeout; its AbortSignal fired. The attempt counts as failed (retried). */
export class HandlerTimeoutError extends TqwError {
  constructor(timeoutMs: number) {
    super('TQW_HANDLER_TIMEOUT', `handler timed out after ${timeoutMs} ms (its AbortSignal was fired)`);
  }
}

/** The handler was aborted because the worker is shutting down; the message is released, not failed. */
export class ShutdownAbortError extends TqwError {
  constructor() {
    super('TQW_ABORTED', 'handler aborted: the worker is shutting down and the drain deadline passed');
  }
}

/**
 * A handler used `ctx.db` after its attempt ended (timed out, aborted at the shutdown deadline, or
 * returned): the transaction is over and nothing sent through it now can commit, on its own or in
 * another message's transaction.
 */
export class TransactionClosedError extends TqwError {
  constructor(messageId: string, why: string) {
    super(
      'TQW_TRANSACTION_CLOSED',
      `ctx.db of message ${messageId} can no longer be used: its attempt ended (${why}) and its transaction was ` +
        'rolled back or committed; nothing sent through it now is saved. Stop work when ctx.signal aborts.',
    );
  }
}

/**
 * A transactional handler returned while a query it started through `ctx.db` was still running.
 * The transaction is rolled back (nothing saved) and the attempt counts as failed, on both stores.
 */
export class QueryInFlightError extends TqwError {
  constructor(messageId: string) {
    super(
      'TQW_QUERY_IN_FLIGHT',
      `the handler of message ${messageId} returned while a query it started through ctx.db was still running; ` +
        'the transaction was rolled back and nothing was saved. Await every query of a transactional handler before returning.',
    );
  }
}

/**
 * `snooze(ms)` with a delay that is not a whole number of milliseconds from 0 to the maximum, or a
 * handler that returned such a snooze: thrown by snooze(), and the attempt counts as failed.
 */
export class SnoozeInvalidError extends TqwError {
  constructor(delayMs: unknown, maxMs: number) {
    super(
      'TQW_SNOOZE_INVALID',
      `snooze(${describeDelay(delayMs)}) is invalid: the delay must be a whole number of milliseconds from 0 to ${maxMs} ` +
        `(${maxMs / MS_PER_DAY} days); to wait longer, snooze again when it runs`,
    );
  }
}

const MS_PER_DAY = 86_400_000;

function describeDelay(delayMs: unknown): string {
  if (typeof delayMs === 'number' || typeof delayMs === 'bigint') return String(delayMs);
  if (typeof delayMs === 'string') return JSON.stringify(delayMs.length > 40 ? `${delayMs.slice(0, 40)}...` : delayMs);
  return delayMs === null ? 'null' : typeof delayMs;
}

/**
 * A handler snoozed its message more often than allowed (worker.maxSnoozes or the handler's
 * maxSnoozes): the message is dead-lettered instead of waiting forever for something that never comes.
 */
export class SnoozeLimitError extends TqwError {
  constructor(messageId: string, messageType: string, snoozes: number, maxSnoozes: number) {
    super(
      'TQW_SNOOZE_LIMIT',
      `message ${messageId} of type '${messageType}' asked to snooze again after ${snoozes} snooze(s), the most allowed ` +
        `(maxSnoozes ${maxSnoozes}); it was dead-lettered instead. Raise worker.maxSnoozes (TQW_MAX_SNOOZES) or the ` +
        "handler's maxSnoozes if it legitimately waits this often, or snooze longer each time; then requeue it " +
        '(tqw dead-letters requeue)',
    );
  }
}

/** Payload is not valid JSON: permanent (retrying the same bytes cannot help). */
export class InvalidPayloadError extends TqwError {
  constructor(detail: string) {
    super('TQW_PAYLOAD_INVALID_JSON', `Payload is not valid JSON (${detail}); fix the producer and requeue the message`);
  }
}

/**
 * The payload is larger than worker.maxPayloadBytes: refused by enqueue() / `tqw enqueue`, and
 * permanent for the worker (the same bytes will never fit): dead-lettered without being parsed.
 */
export class PayloadTooLargeError extends TqwError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
    messageType: string,
  ) {
    super(
      'TQW_PAYLOAD_TOO_LARGE',
      `payload of message type '${messageType}' is ${bytes} bytes, over the limit of ${limit} (worker.maxPayloadBytes): ` +
        'store large data in a table or blob store and send its key, or raise worker.maxPayloadBytes on the producers and workers',
    );
  }
}

/** The row's TenantId is not the tenant whose table it sits in: never handled, dead-lettered. */
export class TenantMismatchError extends TqwError {
  constructor(rowTenantId: string, tableTenantId: string, table: string) {
    super(
      'TQW_TENANT_MISMATCH',
      `security: row TenantId '${rowTenantId}' does not match tenant '${tableTenantId}' that owns ${table}; ` +
        'the message was not handled. Check the producer that wrote it.',
    );
  }
}

/** No handler is registered for the message's type (retried with backoff: one may be deploying). */
export class NoHandlerError extends TqwError {
  constructor(messageType: string, onlyFor?: { handlerDialect: string; tenantDialect: string }) {
    super(
      'TQW_NO_HANDLER',
      onlyFor
        ? `the handler of message type '${messageType}' runs on ${onlyFor.handlerDialect} tenants only and this tenant is on ` +
            `${onlyFor.tenantDialect}; give it a handler for both stores (defineHandler) or one for ${onlyFor.tenantDialect} ` +
            '(the message is retried with backoff and dead-lettered after max attempts)'
        : `no handler for message type '${messageType}'; add a handler module for it to handlers.dir ` +
            '(the message is retried with backoff and dead-lettered after max attempts)',
    );
  }
}

/** Wrong command-line usage (exit 64, EX_USAGE). */
export class UsageError extends TqwError {
  constructor(message: string) {
    super('TQW_USAGE', message);
  }
}

export const EXIT_USAGE = 64;

/**
 * A console action or view this process cannot serve because the store feature behind it is not
 * wired (e.g. pause/resume or error history without their tables). The API answers 501 with this code.
 */
export class ConsoleUnavailableError extends TqwError {
  constructor(message: string) {
    super('TQW_CONSOLE_UNAVAILABLE', message);
  }
}

/**
 * Turns any thrown value (including non-Error values) into a one-line description. A database's
 * refusal for lack of privilege gets a hint naming the missing GRANT (store/privilege-hint.ts).
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    return withPrivilegeHint(err, err.message ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : err.name);
  }
  if (typeof err === 'string') return err;
  try {
    return `non-Error value thrown: ${JSON.stringify(err)}`;
  } catch {
    return `non-Error value thrown: ${String(err)}`;
  }
}
