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
 * Why messages were dead-lettered: the distinct (MessageType, ErrorMessage) pairs with their counts,
 * over all tenants, most frequent first. ErrorMessage is cut to `width` characters.
 * @returns {Promise<Array<{ type: string, error: string, count: number }>>}
 */
async function deadLetterReasons(tenants, pools, width = 110) {
  const merged = new Map();
  for (const tenant of tenants) {
    const { rows } = await pools.get(tenant.id).query(
      `SELECT "MessageType" AS type, left(coalesce("ErrorMessage", ''), $1) AS error, count(*)::int AS count
         FROM ${qualifiedTable(tenant, 'QueueMessages')}
        WHERE "Status" = 'DeadLetter'
        GROUP BY 1, 2`,
      [width],
    );
    for (const row of rows) {
      const key = `${row.type}\u0000${row.error}`;
      const entry = merged.get(key) ?? { type: row.type, error: row.error, count: 0 };
      entry.count += row.count;
      merged.set(key, entry);
    }
  }
  return [...merged.values()].sort((a, b) => b.count - a.count);
}

module.exports = { STATUSES, countByStatus, countAllTenants, deadLetterReasons };
