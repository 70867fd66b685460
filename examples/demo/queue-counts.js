'use strict';
/** Reads what the live view shows straight from each tenant's QueueMessages table. */
const { qualifiedTable } = require('./tenants');

const STATUSES = Object.freeze(['Pending', 'Processing', 'Failed', 'Completed', 'DeadLetter']);

/**
 * One query per tenant: every status counted in a single pass (FILTER). It scans the table, which
 * is fine for a demo; tqw's own queue_depth gauge uses partial indexes instead.
 * @returns {Promise<Record<string, number>>} status -> count
 */
async function countByStatus(pool, tenant) {
  const { rows } = await pool.query(
    `SELECT ${STATUSES.map((s) => `count(*) FILTER (WHERE "Status" = '${s}')::int AS "${s}"`).join(', ')}
       FROM ${qualifiedTable(tenant, 'QueueMessages')}`,
  );
  return rows[0];
}

/** The counts of every tenant, queried in parallel: Map tenant id -> counts. */
async function countAllTenants(tenants, pools) {
  const counts = await Promise.all(tenants.map((tenant) => countByStatus(pools.get(tenant.id), tenant)));
  return new Map(tenants.map((tenant, i) => [tenant.id, counts[i]]));
}

/**
 * An ErrorMessage without its parenthesised details ("Payload is not valid JSON (SyntaxError: ...
 * at position 74)" -> "Payload is not valid JSON"), so messages that failed for the same reason are
 * counted together. Innermost parentheses first, until none are left.
 */
function withoutDetails(error) {
  let text = error;
  for (let previous = ''; previous !== text;) {
    previous = text;
    text = text.replace(/\s*\([^()]*\)/g, '');
  }
  return text.trim();
}

/**
 * Why messages were dead-lettered: (MessageType, ErrorMessage without details) with counts, over all
 * tenants, most frequent first.
 * @returns {Promise<Array<{ type: string, error: string, count: number }>>}
 */
async function deadLetterReasons(tenants, pools) {
  const merged = new Map();
  for (const tenant of tenants) {
    const { rows } = await pools.get(tenant.id).query(
      `SELECT "MessageType" AS type, coalesce("ErrorMessage", '') AS error, count(*)::int AS count
         FROM ${qualifiedTable(tenant, 'QueueMessages')}
        WHERE "Status" = 'DeadLetter'
        GROUP BY 1, 2`,
    );
    for (const row of rows) {
      const error = withoutDetails(row.error);
      const key = `${row.type}\u0000${error}`;
      const entry = merged.get(key) ?? { type: row.type, error, count: 0 };
      entry.count += row.count;
      merged.set(key, entry);
    }
  }
  return [...merged.values()].sort((a, b) => b.count - a.count);
}

module.exports = { STATUSES, countByStatus, countAllTenants, deadLetterReasons, withoutDetails };
