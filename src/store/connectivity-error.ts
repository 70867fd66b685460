/**
 * Whether an error means the database could not be reached (refused or cut connection, server
 * shutting down or starting up, connect timeout), as opposed to one the database answered with
 * (a SQL error, wrong password, missing table). Only these are retried "when the database answers
 * again": the worker then waits for a sign of life (recovery-watch.ts) instead of retrying on a timer.
 */
export function isConnectivityError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string') {
      if (SOCKET_CODES.has(code) || MSSQL_CONNECTION_CODES.has(code)) return true;
      // SQLSTATE class 08 (connection exception); 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
      if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code)) return true;
    }
    if (name === 'ConnectionError') return true;
    if (typeof message === 'string' && CONNECTIVITY_MESSAGES.test(message)) return true;
    const next = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
    e = next;
  }
  return false;
}

/** Node socket errors. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** mssql / tedious connection-level error codes (not ELOGIN: a refused login is an answer). */
const MSSQL_CONNECTION_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ETIMEOUT', 'ENOTOPEN', 'ENOCONN']);

/**
 * node-postgres reports a cut connection by message only. So does tedious for a request (or a
 * transaction's COMMIT / ROLLBACK) on a connection that has already ended: EINVALIDSTATE
 * "Requests can only be made in the LoggedIn state, not the Final state" (the same code with
 * another state is a misuse of the connection, not an outage, so only the Final state counts).
 */
const CONNECTIVITY_MESSAGES =
  /not the Final state|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Connection lost|socket hang up/i;
