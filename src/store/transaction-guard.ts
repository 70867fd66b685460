import { TransactionClosedError, describeError } from '../errors';

/**
 * The life of a transaction lent to a handler as `ctx.db` (both dialects; the per-dialect handles
 * are postgres/guarded-client.ts and sqlserver/guarded-transaction.ts). While open, the handle
 * forwards to the driver and counts the queries in flight; once the store calls close() (the
 * handler's function settled, for any reason), every new query is refused with
 * TransactionClosedError, so a handler that outlived its attempt can neither commit on its own
 * connection nor slip into the next message's transaction on a reused one.
 */
export class TransactionGuard {
  private closedBecause: string | undefined;
  private running = 0;

  constructor(readonly messageId: string) {}

  get isOpen(): boolean {
    return this.closedBecause === undefined;
  }

  /** Queries started through the handle that have not settled. */
  get inFlight(): number {
    return this.running;
  }

  /** Throws TransactionClosedError once closed. */
  assertOpen(): void {
    if (this.closedBecause !== undefined) throw new TransactionClosedError(this.messageId, this.closedBecause);
  }

  /** The error a refused query gets. */
  closedError(): TransactionClosedError {
    return new TransactionClosedError(this.messageId, this.closedBecause ?? 'closed');
  }

  /** A query started; the returned function marks it settled (idempotent). */
  started(): () => void {
    this.running += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running -= 1;
    };
  }

  /**
   * Refuses every later query. `outcome`: what ended the attempt (the function's rejection, or
   * undefined when it resolved). Returns the queries still in flight: when any is, the connection
   * must not be reused (PostgreSQL: destroyed; SQL Server: the request cancelled).
   */
  close(outcome?: { error: unknown }): number {
    if (this.closedBecause === undefined) {
      this.closedBecause = outcome ? `it failed: ${describeError(outcome.error)}` : 'the handler returned';
    }
    return this.running;
  }
}
