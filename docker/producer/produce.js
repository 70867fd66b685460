// @ts-check
'use strict';
/**
 * The docker compose demo's producer (service `producer`): enqueues a steady mix of messages into the three tenant
 * databases on SQL Server, the way a .NET / EF Core application would: a plain parameterised INSERT, as a login
 * that may do nothing but INSERT into QueueMessages (tqw_producer, see docker/mssql/grant-producer.sql).
 *
 * The mix and the pacing are the ones `npm run demo` uses (examples/demo/message-mix.js, examples/demo/producer.js):
 * mostly good ProductUpdate and SendEmail messages, plus ProductUpdates without a productId (PermanentError, dead
 * letter at once), payloads that are not JSON (poison, dead letter without calling the handler) and a message type
 * no handler knows (retried, then dead-lettered).
 *
 * Environment:
 *   PRODUCER_SERVER          SQL Server host, default mssql;  PRODUCER_PORT default 1433
 *   PRODUCER_LOGIN           default tqw_producer;            PRODUCER_PASSWORD (required)
 *   PRODUCER_TENANTS         comma-separated tenant ids, each also its database name, default tenant_a,tenant_b,tenant_c
 *   PRODUCER_RATE            messages per second over all tenants, default 5
 *   PRODUCER_REPORT_SECONDS  how often a progress line is printed, default 10
 */
const sql = require('mssql');
const { createMessageMix } = require('../../examples/demo/message-mix');
const { startProducer } = require('../../examples/demo/producer');

/**
 * The statement a .NET producer sends (the article's QueueMessages columns). ProcessingAttempts and every other
 * column left out take their defaults. QueueMessages is unqualified: it resolves through the login's default schema.
 * TenantId must be the id of the tenant that owns the database, or tqw refuses the row (TQW_TENANT_MISMATCH).
 */
const INSERT_MESSAGE = `INSERT INTO QueueMessages (Id, TenantId, MessageType, Payload, ScheduledTime, Status, CorrelationId, CreatedAt)
VALUES (NEWID(), @tenant, @type, @payload, SYSUTCDATETIME(), 'Pending', NEWID(), SYSUTCDATETIME())`;

/**
 * Enqueues one message (the payload text is stored as given, so a broken payload is stored too).
 * @param {import('mssql').ConnectionPool} pool  the tenant database
 * @param {{ id: string }} tenant
 * @param {{ type: string, payload: string }} message
 */
async function enqueueSqlServer(pool, tenant, message) {
  await pool
    .request()
    // Types match the columns (NVARCHAR(50), NVARCHAR(255), NVARCHAR(MAX)), so no implicit conversion.
    .input('tenant', sql.NVarChar(50), tenant.id)
    .input('type', sql.NVarChar(255), message.type)
    .input('payload', sql.NVarChar(sql.MAX), message.payload)
    .query(INSERT_MESSAGE);
}

/**
 * @param {NodeJS.ProcessEnv} env
 */
function optionsFromEnv(env) {
  const password = env.PRODUCER_PASSWORD;
  if (!password) throw new Error('PRODUCER_PASSWORD is not set (see docker-compose.yml, service producer)');
  const rate = Number(env.PRODUCER_RATE ?? 5);
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new Error(`PRODUCER_RATE must be a positive number of messages per second, got ${JSON.stringify(env.PRODUCER_RATE)}`);
  }
  return {
    server: env.PRODUCER_SERVER || 'mssql',
    port: Number(env.PRODUCER_PORT || 1433),
    user: env.PRODUCER_LOGIN || 'tqw_producer',
    password,
    tenants: (env.PRODUCER_TENANTS ?? 'tenant_a,tenant_b,tenant_c')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean)
      .map((id) => ({ id, schema: undefined })),
    rate,
    reportSeconds: Number(env.PRODUCER_REPORT_SECONDS || 10),
  };
}

/**
 * @param {ReturnType<typeof optionsFromEnv>} options
 * @param {string} database
 */
async function connect(options, database) {
  for (let attempt = 1; ; attempt += 1) {
    const pool = new sql.ConnectionPool({
      server: options.server,
      port: options.port,
      user: options.user,
      password: options.password,
      database,
      // The demo's SQL Server has a self-signed certificate: encrypt, but trust it.
      options: { encrypt: true, trustServerCertificate: true },
      pool: { max: 2 },
    });
    try {
      return await pool.connect();
    } catch (error) {
      await pool.close().catch(() => undefined);
      if (attempt >= 30) throw error;
      console.log(`producer: waiting for ${database} (attempt ${attempt}): ${error instanceof Error ? error.message : error}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function main() {
  const options = optionsFromEnv(process.env);
  /** @type {Map<string, import('mssql').ConnectionPool>} */
  const pools = new Map();
  for (const tenant of options.tenants) pools.set(tenant.id, await connect(options, tenant.id));

  const producer = startProducer({
    tenants: options.tenants,
    // `any` (both casts): examples/demo/producer.js is typed for pg pools, but it only hands the pool it is given
    // back to `enqueue`, so mssql pools with the matching enqueue work the same.
    pools: /** @type {any} */ (pools),
    rate: options.rate,
    mix: createMessageMix(),
    enqueue: /** @type {any} */ (enqueueSqlServer),
  });
  console.log(`producer: ${options.rate} messages/s to ${options.tenants.map((t) => t.id).join(', ')} as ${options.user}`);

  let reportedErrors = 0;
  const report = setInterval(() => {
    const sent = [...producer.stats.sent].map(([tenant, count]) => `${tenant}=${count}`).join(' ');
    const newErrors = producer.stats.errors - reportedErrors;
    reportedErrors = producer.stats.errors;
    console.log(`producer: sent ${sent}; errors ${producer.stats.errors}${newErrors > 0 ? ` (last: ${producer.stats.lastError})` : ''}`);
  }, options.reportSeconds * 1000);

  const stop = async (/** @type {string} */ signal) => {
    console.log(`producer: ${signal}, stopping`);
    clearInterval(report);
    await producer.stop();
    await Promise.all([...pools.values()].map((pool) => pool.close()));
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

module.exports = { INSERT_MESSAGE, enqueueSqlServer, optionsFromEnv };

if (require.main === module) {
  main().catch((error) => {
    console.error(`producer failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
