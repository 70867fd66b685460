import type mssql from 'mssql';
import type { TransactionGuard } from '../transaction-guard';

/** Methods a handler must not call on the transaction it is lent: the store begins, commits and rolls back. */
const REFUSED = new Set<PropertyKey>(['begin', 'commit', 'rollback']);

type AcquireCallback = (err: Error | null, connection?: unknown, config?: unknown) => void;

/** The guarded transaction's view of the request it lent the connection to (one at a time). */
export interface GuardedTransaction {
  /** What the handler gets as ctx.db. */
  readonly handle: mssql.Transaction;
  /** The handler's requests still running (or waiting to run) on the transaction's connection. */
  running(): mssql.Request[];
}

/**
 * The mssql.Transaction a transactional handler gets as `ctx.db`: the transaction behind a Proxy,
 * so it still is an mssql.Transaction (instanceof, `request()`, `new mssql.Request(ctx.db)`),
 * except that
 * - every request made on it (whichever way it was created) takes the connection through
 *   `acquire()` (reached even after the pool closed: see `connected` below), which this Proxy answers: once `guard` is closed it refuses with
 *   TransactionClosedError, so nothing sent later can run in autocommit on the pooled connection or
 *   in another message's transaction; while open it counts the request in flight until mssql
 *   gives the connection back (`release()`), so the store can cancel a request the handler left running;
 * - `begin()`, `commit()` and `rollback()` throw: the store owns the transaction.
 * mssql has no public hook for refusing requests on a transaction that ended; acquire/release are the
 * methods every Request calls on its parent (mssql 12, lib/base/transaction.js), checked by the
 * store tests against a real server.
 */
export function guardMssqlTransaction(transaction: mssql.Transaction, guard: TransactionGuard): GuardedTransaction {
  type Entry = { request: mssql.Request; done: () => void };
  /** Asked for the connection, not answered yet (mssql answers on the next turn). */
  const asking = new Set<Entry>();
  /** Holds the connection (mssql lends it to one request at a time). */
  let holder: Entry | undefined;
  const target = transaction as unknown as {
    acquire(request: mssql.Request, callback: AcquireCallback): unknown;
    release(connection: unknown): unknown;
    request(this: unknown, config?: unknown): mssql.Request;
  };
  const handle = new Proxy(transaction, {
    get(t, prop, receiver) {
      switch (prop) {
        case 'acquire':
          return (request: mssql.Request, callback: AcquireCallback) => {
            if (!guard.isOpen) {
              setImmediate(callback, guard.closedError());
              return receiver;
            }
            // Counted from now (mssql marks its request active synchronously too), so a handler that
            // returns right after starting a query is seen with it in flight.
            const entry: Entry = { request, done: guard.started() };
            asking.add(entry);
            target.acquire.call(t, request, (err, connection, config) => {
              asking.delete(entry);
              if (err) entry.done();
              else holder = entry;
              callback(err, connection, config);
            });
            return receiver;
          };
        case 'release':
          return (connection: unknown) => {
            holder?.done();
            holder = undefined;
            target.release.call(t, connection);
            return receiver;
          };
        case 'connected':
          // mssql checks `parent.connected` before it acquires (ECONNCLOSED once the pool closed, as
          // at worker stop): a closed guard answers true so the request reaches acquire() and gets
          // TransactionClosedError, the same refusal whether or not the pool is still open.
          return guard.isOpen ? Reflect.get(t, prop, t) : true;
        case 'request':
          // Called on the Proxy, so the request names the Proxy as its parent and acquires through it.
          return (config?: unknown) => target.request.call(receiver, config);
      }
      if (REFUSED.has(prop)) {
        return () => {
          throw new TypeError(`ctx.db.${String(prop)}() is not allowed: the worker owns this transaction`);
        };
      }
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
  return {
    handle,
    running: () => [...(holder ? [holder] : []), ...asking].map((e) => e.request),
  };
}
