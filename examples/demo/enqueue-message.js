'use strict';
/**
 * How the demo producer writes one message: the plain INSERT any producer can issue (this is the
 * statement a .NET / EF Core producer sends), with every NOT NULL column written explicitly.
 * Payload is text, not jsonb, so even a broken payload is stored (and then dead-lettered by tqw).
 */
const { randomUUID } = require('node:crypto');
const { qualifiedTable } = require('./tenants');

/**
 * @param {import('pg').Pool} pool   the tenant database
 * @param {{ id: string, schema: string | undefined }} tenant
 * @param {{ type: string, payload: string }} message  payload: the exact Payload text
 * @returns {Promise<string>} the new message's Id
 */
async function enqueueMessage(pool, tenant, message) {
  const id = randomUUID();
  await pool.query(
    // Status 'Pending' with ScheduledTime = now(): due at once. TenantId must be the id of the tenant
    // that owns the table, or tqw refuses the row (TQW_TENANT_MISMATCH).
    `INSERT INTO ${qualifiedTable(tenant, 'QueueMessages')}
       ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime", "ProcessingAttempts", "Status", "CorrelationId", "CreatedAt")
     VALUES ($1, $2, $3, $4, now(), 0, 'Pending', $5, now())`,
    [id, tenant.id, message.type, message.payload, randomUUID()],
  );
  return id;
}

module.exports = { enqueueMessage };
