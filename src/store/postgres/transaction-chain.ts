import type pg from 'pg';
import { BeginThenQuery } from './begin-then-query';

/** A transaction opened by TransactionChain.open(): its client, and the result of its opening statement. */
export interface OpenedTransaction {
  client: pg.PoolClient;
  /** Result of the statement that opened the transaction (after BEGIN and the preamble). */
  result: pg.QueryResult;
}

interface Waiter {
  /** BEGIN and what follows it before the statement (SET LOCAL search_path ...). */
  preamble: readonly string[];
  statement: pg.QueryConfig;
  resolve: (opened: OpenedTransaction) => void;
  reject: (err: unknown) => void;
}

/**
 * Transactions of transactional handlers with chained commits: ONE round trip both commits the
 * transaction that just finished and opens the next one on the same connection.
 *
 * A transactional message costs two round trips of its own: BEGIN + its opening statement (the
 * fenced completion, sent together by BeginThenQuery), then COMMIT. When a handler finishes, the
 * worker has usually started the next message already (its handler slot is freed before the
 * commit), and that message is waiting here for a connection. Instead of COMMIT, release, then
 * check out the connection again for BEGIN, the committing transaction sends
 * `COMMIT; BEGIN; [SET LOCAL ...;] <opening statement>` in one round trip and hands its connection
 * to the waiting one. Each message keeps its own transaction: the COMMIT is the previous
 * transaction's, and what follows belongs to the next.
 *
 * - open(): the waiter asks the pool for a connection too; whichever comes first serves it (a
 *   committing transaction, or the pool). A pool connection that arrives for a waiter that was
 *   served already opens the next waiter, or goes back to the pool. So every waiter always has a
 *   connection on its way: there are never fewer connect() calls pending than waiters.
 * - Fairness: a commit chains only while nobody else waits for the pool (claims, completions,
 *   other tenants of the same database): pool.waitingCount counts every connect() waiting, ours
 *   included; when it is above our own, the connection goes back to the pool instead.
 * - Errors: if the COMMIT fails, the next transaction's statements are skipped by the server (one
 *   Sync ends the round trip); the committing transaction fails and the waiter waits again. If the
 *   COMMIT succeeded and the opening failed, the waiter gets the error. Either way the connection is
 *   discarded (released with the error), as BeginThenQuery requires after a failed round trip.
 */
export class TransactionChain {
  private readonly waiting: Waiter[] = [];
  /** Our pool.connect() calls not answered yet (they are in pool.waitingCount while the pool is full). */
  private connecting = 0;

  /** `pool` is called on each use (the store acquires its pool lazily and throws once closed). */
  constructor(private readonly pool: () => pg.Pool) {}

  /** Opens a transaction: `preamble` (BEGIN first) and `statement` in one round trip. */
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
    const query = new BeginThenQuery(['COMMIT', ...next.preamble], next.statement);
    try {
      const results = await query.run(client);
      next.resolve({ client, result: results[results.length - 1]! });
      return results[0]!.command;
    } catch (err) {
      client.release(asError(err));
      const committed = query.commandTags[0];
      if (committed === undefined) {
        // The COMMIT itself failed: the next transaction never began; it waits again.
        this.waiting.unshift(next);
        this.connect(next);
        throw err;
      }
      next.reject(err);
      return committed;
    }
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

  /** Opens the oldest waiting transaction on `client`, or gives the client back to the pool. */
  private openNext(client: pg.PoolClient): void {
    const next = this.waiting.shift();
    if (!next) {
      client.release();
      return;
    }
    const query = new BeginThenQuery(next.preamble, next.statement);
    query.run(client).then(
      (results) => next.resolve({ client, result: results[results.length - 1]! }),
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

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
