'use strict';
/**
 * How the demo producer writes one message: with the package's own producer API, `enqueue()`, the
 * way a Node application does (there: `const { enqueue } = require('tenant-queue-worker')`; here the
 * repository's build output, dist/, is loaded directly).
 *
 * enqueue() runs on the caller's own connection, inside the caller's own transaction: the outbox
 * pattern. The message commits together with the application's business writes, or not at all.
 * The statement it sends is the plain INSERT any other producer (.NET / EF Core) can send:
 *   INSERT INTO "QueueMessages" ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime",
 *     "ProcessingAttempts", "Status", "CorrelationId", "CreatedAt")
 *   VALUES (<new uuid>, <tenant id>, <type>, <payload text>, now(), 0, 'Pending', <uuid or NULL>, now())
 */
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');

const DIST = join(__dirname, '..', '..', 'dist', 'index.js');

function loadEnqueue() {
  const { enqueue } = require(DIST);
  if (typeof enqueue !== 'function') {
    throw new Error(`${DIST} does not export enqueue(): dist/ is older than the source, run \`npm run build\``);
  }
  return enqueue;
}

/**
 * @param {import('pg').Pool} pool   the tenant database
 * @param {{ id: string, schema: string | undefined }} tenant
 * @param {{ type: string, payload: string }} message  payload: the exact Payload text (a string is stored
 *   as is, so the demo can also send text that is not JSON; an object would be JSON.stringify'd)
 * @returns {Promise<string>} the new message's Id
 */
async function enqueueMessage(pool, tenant, message) {
  const enqueue = loadEnqueue();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // An application would make its own writes for this change here, on the same client.
    const id = await enqueue(
      client,
      // tenantId must be the id of the tenant that owns the table, or tqw refuses the row (TQW_TENANT_MISMATCH).
      { tenantId: tenant.id, messageType: message.type, payload: message.payload, correlationId: randomUUID() },
      // Schema-per-tenant: the tenant's schema; undefined means the connection's default (public).
      { schema: tenant.schema },
    );
    await client.query('COMMIT');
    return id;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

module.exports = { enqueueMessage, loadEnqueue };
