'use strict';
/**
 * Counts the statements a worker sends, measured by PostgreSQL itself.
 *
 * Preferred: pg_stat_statements (loaded by the embedded server; `calls` of every statement run by the
 * worker's role, BEGIN/COMMIT included, since track_utility is on by default). Fallback, when the
 * extension is not available (a PG_URL server without it): transactions committed or rolled back in
 * the bench database (pg_stat_database), which also counts the counter's own two reads, subtracted.
 */
const { withClient } = require('./bench-database');

async function createStatementCounter({ adminUrl, workerRole, database }) {
  const method = await withClient(adminUrl, async (c) => {
    try {
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      // Fails unless the library is in shared_preload_libraries.
      await c.query('SELECT 1 FROM pg_stat_statements LIMIT 1');
      return 'pg_stat_statements';
    } catch {
      return 'pg_stat_database';
    }
  });

  if (method === 'pg_stat_statements') {
    return {
      method: 'pg_stat_statements (calls by the worker role, BEGIN/COMMIT included)',
      /** Opens a window: forgets every count so far. */
      async start() {
        await withClient(adminUrl, (c) => c.query('SELECT pg_stat_statements_reset()'));
      },
      /** Statements the worker role ran since start(), and whether entries were evicted meanwhile. */
      async stop() {
        return withClient(adminUrl, async (c) => {
          const {
            rows: [row],
          } = await c.query(
            `SELECT coalesce(sum(s.calls), 0)::bigint AS calls
               FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
              WHERE r.rolname = $1`,
            [workerRole],
          );
          const {
            rows: [info],
          } = await c.query('SELECT dealloc FROM pg_stat_statements_info');
          // What the worker spent its statements on (schema names vary per tenant; the text is cut short).
          const { rows: top } = await c.query(
            `SELECT sum(s.calls)::bigint AS calls, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) AS statement
               FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
              WHERE r.rolname = $1
              GROUP BY 2 ORDER BY 1 DESC LIMIT 5`,
            [workerRole],
          );
          return {
            statements: Number(row.calls),
            evicted: Number(info.dealloc) > 0,
            top: top.map((t) => ({ calls: Number(t.calls), statement: t.statement })),
          };
        });
      },
    };
  }

  const read = () =>
    withClient(adminUrl, async (c) => {
      // Pending counters of other backends reach pg_stat_database within about a second.
      const {
        rows: [row],
      } = await c.query('SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database WHERE datname = $1', [database]);
      return Number(row.n);
    });
  let before = 0;
  return {
    method: 'pg_stat_database transactions of the bench database (pg_stat_statements unavailable)',
    async start() {
      before = await read();
    },
    async stop() {
      await new Promise((r) => setTimeout(r, 1100));
      // The counter's own two reads are transactions of this database too.
      return { statements: Math.max(0, (await read()) - before - 2), evicted: false, top: [] };
    },
  };
}

module.exports = { createStatementCounter };
