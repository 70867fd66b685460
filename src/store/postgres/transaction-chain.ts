import type pg from 'pg';

/** A transaction opened by TransactionChain.open(): its client, and the result of its opening statement. */
export interface OpenedTransaction {
  client: pg.PoolClient;
  /** Result of the statement that opened the transaction (after BEGIN and the preamble). */
  result: pg.QueryResult;
}

interface Waiter {
  /** BEGIN and what follows it before the statement (the transaction's local settings, see sql/open-transaction.ts). */
  preamble: readonly string[];
  statement: pg.QueryConfig;
  resolve: (opened: OpenedTransaction) => void;
  reject: (err: unknown) => void;
}

/**
 * Transactions of transactional handlers with chained commits: ONE round trip both commits the
 * transaction that just finished and opens the next one on the same connection.
 *
 * The pools' clients are pipelined (node-postgres `pipeline: true`, create-pool.ts): statements
 * written back to back go out together and their answers come back in order, so BEGIN, the
 * transaction's settings and its opening statement (the fenced completion) cost one round trip,
 * and COMMIT + the next transaction's opening one more. Each pipelined statement has its own Sync:
 * a failed one does not skip the next. So the opening statement checks that it runs inside the
 * transaction its BEGIN opened (sql/open-transaction.ts): were BEGIN to fail, it would change nothing.
 *
 * When a handler finishes, the worker has usually started the next message already (its handler
 * slot is freed before the commit), and that message is waiting here for a connection. Instead of
 * COMMIT, release, then check out the connection again for BEGIN, the committing transaction sends
 * `COMMIT` then the next transaction's opening statements and hands its connection to the waiting
 * one. Each message keeps its own transaction: the COMMIT is the previous transaction's, and what
 * follows belongs to the next.
 *
 * - open(): the waiter asks the pool for a connection too; whichever comes first serves it (a
 *   committing transaction, or the pool). A pool connection that arrives for a waiter that was
 *   served already opens the next waiter, or goes back to the pool. So every waiter always has a
 *   connection on its way: there are never fewer connect() calls pending than waiters.
 * - Fairness: a commit chains only while nobody else waits for the pool (claims, completions,
 *   other tenants of the same database): pool.waitingCount counts every connect() waiting, ours
 *   included; when it is above our own, the connection goes back to the pool instead.
 * - Errors: a COMMIT that fails fails the committing transaction only; the next one is opened again
 *   on the same connection (the guarded opening statement changed nothing), or, when the connection
 *   itself failed, waits again for another one.
 *   When the opening failed, the waiter gets the error and the connection is discarded (it may be
 *   left inside an aborted transaction).
 */
export class TransactionChain {
  private readonly waiting: Waiter[] = [];
  /** Our pool.connect() calls not answered yet (they are in pool.waitingCount while the pool is full). */
  private connecting = 0;

  /** `pool` is called on each use (the store acquires its pool lazily and throws once closed). */
  constructor(private readonly pool: () => pg.Pool) {}

  /**
   * Opens a transaction: `preamble` (sql/open-transaction.ts: BEGIN and its settings) and `statement`
   * in one round trip. `statement` must carry the guard IN_OPENED_TRANSACTION: it is written behind
   * the preamble with a Sync of its own, so were the preamble skipped (a chained COMMIT failed) it
   * must change nothing.
   */
  open(preamble: readonly string[], statement: pg.QueryConfig): Promise<OpenedTransaction> {
    return new Promise<OpenedTransaction>((resolve, reject) => {
      const waiter: Waiter = { preamble, statement, resolve, reject };
      this.waiting.push(waiter);
      this.connect(waiter);
    });
  }

  /**
   * Commits the transaction on `client` (which the chain takes back: it goes to the next waiter or
   * to the pool) and resolves with the COMMIT's command tag: 'COMMIT', or 'ROLLBACK' when a
   * statement of the transaction had failed. Rejects when the COMMIT failed (the client is discarded).
   */
  async commit(client: pg.PoolClient): Promise<string> {
    const next = this.othersWaiting() ? undefined : this.waiting.shift();
    if (!next) {
      let command: string;
      try {
        command = (await client.query('COMMIT')).command;
      } catch (err) {
        client.release(asError(err));
        throw err;
      }
      this.handOver(client);
      return command;
    }
    // COMMIT and the next transaction's BEGIN and settings in one simple-protocol query (one write:
    // node-postgres writes each pipelined query separately), its opening statement right behind it.
    const committing = client.query<never>(['COMMIT', ...next.preamble].join('; ')) as unknown as Promise<pg.QueryResult[]>;
    const opening = client.query(next.statement);
    const [committed, opened] = await Promise.allSettled([committing, opening]);
    if (committed.status === 'rejected') {
      // The COMMIT failed, so the rest of its query (BEGIN, settings) was skipped and the opening
      // statement, guarded, changed nothing (sql/open-transaction.ts): open the next transaction
      // again, on this connection if it still works, else on another one.
      if (opened.status === 'fulfilled') this.openNext(client, next);
      else {
        client.release(asError(opened.reason));
        this.waiting.unshift(next);
        this.connect(next);
      }
      throw committed.reason;
    }
    if (opened.status === 'fulfilled') next.resolve({ client, result: opened.value });
    else {
      client.release(asError(opened.reason));
      next.reject(opened.reason);
    }
    return (committed.value[0] as pg.QueryResult).command;
  }

  /** Rolls back the transaction on `client` and gives the client up (`broken`: discard it instead). */
  async rollback(client: pg.PoolClient, broken?: Error): Promise<void> {
    if (broken) {
      client.release(broken);
      return;
    }
    try {
      await client.query('ROLLBACK');
    } catch (err) {
      client.release(asError(err));
      return;
    }
    this.handOver(client);
  }

  /** Asks the pool for a connection on behalf of `waiter` (or whoever waits first when it comes). */
  private connect(waiter: Waiter): void {
    let pool: pg.Pool;
    try {
      pool = this.pool();
    } catch (err) {
      this.drop(waiter);
      waiter.reject(err);
      return;
    }
    this.connecting += 1;
    pool.connect().then(
      (client) => {
        this.connecting -= 1;
        // A waiter asked for this connection. If some waiter would be left with no connection on
        // its way, it serves the oldest waiter; otherwise (its waiter was served by a commit
        // meanwhile) it is as free as one a commit handed over: someone else waiting for the pool
        // (a claim) gets it first.
        if (this.waiting.length > this.connecting) this.openNext(client);
        else this.handOver(client);
      },
      (err: unknown) => {
        this.connecting -= 1;
        // Every waiter has a connect() of its own in flight or was served: failing the oldest
        // waiter keeps that true.
        this.waiting.shift()?.reject(err);
      },
    );
  }

  /**
   * A connection freed by a commit or rollback: reused for the oldest waiting transaction unless
   * someone else waits for the pool (then it goes back to the pool, and our waiters are served by
   * the connections they asked for).
   */
  private handOver(client: pg.PoolClient): void {
    if (this.othersWaiting()) client.release();
    else this.openNext(client);
  }

  /** Opens `next` (default: the oldest waiting transaction) on `client`, or gives the client back to the pool. */
  private openNext(client: pg.PoolClient, next = this.waiting.shift()): void {
    if (!next) {
      client.release();
      return;
    }
    sendOpening(client, next).then(
      (result) => next.resolve({ client, result }),
      (err: unknown) => {
        client.release(asError(err));
        next.reject(err);
      },
    );
  }

  /** Someone other than our waiters is waiting for a connection of the pool. */
  private othersWaiting(): boolean {
    let pool: pg.Pool;
    try {
      pool = this.pool();
    } catch {
      return false;
    }
    return pool.waitingCount > this.connecting;
  }

  private drop(waiter: Waiter): void {
    const at = this.waiting.indexOf(waiter);
    if (at >= 0) this.waiting.splice(at, 1);
  }
}

/**
 * Writes the waiter's preamble (one simple-protocol query: BEGIN; settings) and its opening
 * statement on `client` at once (pipelined: one round trip) and resolves with the opening
 * statement's result, or rejects with the first failure once both have answered (so the connection
 * is idle when the caller releases it).
 */
async function sendOpening(client: pg.PoolClient, waiter: Waiter): Promise<pg.QueryResult> {
  const [preamble, opening] = await Promise.allSettled([client.query(waiter.preamble.join('; ')), client.query(waiter.statement)]);
  if (preamble.status === 'rejected') throw preamble.reason;
  if (opening.status === 'rejected') throw opening.reason;
  return opening.value;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
