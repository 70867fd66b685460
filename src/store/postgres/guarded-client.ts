import type { PoolClient } from 'pg';
import type { TransactionGuard } from '../transaction-guard';

/** Methods a handler must not call on the client it is lent: the store owns the connection and the transaction. */
const REFUSED = new Set<PropertyKey>(['release', 'end', 'connect']);

/**
 * The PoolClient a transactional handler gets as `ctx.db`: the client itself behind a Proxy, so it
 * still is a pg PoolClient (instanceof, every property), except that
 * - `query()` counts the queries in flight and, once `guard` is closed, refuses new ones with
 *   TransactionClosedError (promise, callback and submittable forms alike);
 * - `release()`, `end()` and `connect()` throw: the store releases (or destroys) the connection.
 * One small object per message; other properties are read from the client as they are.
 */
export function guardPgClient(client: PoolClient, guard: TransactionGuard): PoolClient {
  const query = (...args: unknown[]): unknown => {
    const last = args[args.length - 1];
    const callback = typeof last === 'function' ? (last as (...a: unknown[]) => void) : undefined;
    if (!guard.isOpen) {
      const err = guard.closedError();
      if (callback) {
        process.nextTick(callback, err);
        return undefined;
      }
      const first = args[0] as { submit?: unknown } | undefined;
      if (first && typeof first.submit === 'function') throw err;
      // Marked handled: a handler that does not await its late query must not crash the process
      // with an unhandled rejection; one that awaits it still gets the error.
      const refused = Promise.reject(err);
      refused.catch(() => undefined);
      return refused;
    }
    const done = guard.started();
    if (callback) {
      args[args.length - 1] = (...results: unknown[]) => {
        done();
        callback(...results);
      };
      return (client.query as (...a: unknown[]) => unknown)(...args);
    }
    const result = (client.query as (...a: unknown[]) => unknown)(...args) as { then?: unknown; once?: unknown };
    if (result && typeof result.then === 'function') {
      // Our own reaction to the promise (the caller's awaits are unaffected).
      (result as Promise<unknown>).then(done, done);
    } else if (result && typeof result.once === 'function') {
      const emitter = result as unknown as NodeJS.EventEmitter;
      for (const event of ['end', 'error', 'close']) emitter.once(event, done);
    } else {
      done();
    }
    return result;
  };
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'query') return query;
      if (REFUSED.has(prop)) {
        return () => {
          throw new TypeError(`ctx.db.${String(prop)}() is not allowed: the worker owns this connection and its transaction`);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
