'use strict';
/**
 * The demo's three tenants and the one-time database set-up a DBA would do for them: a login role
 * for the worker, one database per tenant owned by it, and for tenant_c a schema (schema-per-tenant:
 * the tenants file's "schema" key points tqw at `"tenant_c"."QueueMessages"`).
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Client, Pool } = require('pg');
const { HOST } = require('./ports');

/** The login the worker, the producer and the live view use (not the superuser). */
const DEMO_ROLE = 'tqw_demo';

/** id = TenantId of every row and the tenant label of the metrics; schema undefined = public. */
const TENANTS = Object.freeze([
  { id: 'tenant_a', database: 'tenant_a', schema: undefined },
  { id: 'tenant_b', database: 'tenant_b', schema: undefined },
  { id: 'tenant_c', database: 'tenant_c', schema: 'tenant_c' },
]);

const PRODUCTS_SQL = join(__dirname, '..', 'sql', 'products.postgres.sql');

/** `"schema"."Table"` or `"Table"`; identifiers are double-quoted with embedded quotes doubled. */
function qualifiedTable(tenant, table) {
  const quote = (name) => `"${name.replace(/"/g, '""')}"`;
  return tenant.schema === undefined ? quote(table) : `${quote(tenant.schema)}.${quote(table)}`;
}

/** A libpq URL for a tenant database; `password` may be the literal `${DEMO_PG_PASSWORD}` placeholder. */
function tenantUrl(tenant, port, password) {
  return `postgres://${DEMO_ROLE}:${password}@${HOST}:${port}/${tenant.database}`;
}

async function withClient(connectionString, fn) {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * As the superuser: the worker's role and one database per tenant, owned by that role (so it may
 * create its tables there: since PostgreSQL 15 only the database owner may create in `public`).
 * Then, as the role: tenant_c's schema.
 */
async function createTenantDatabases({ adminUrl, port, rolePassword }) {
  await withClient(adminUrl, async (admin) => {
    // Utility statements take no bind parameters: the password goes in as an escaped literal.
    await admin.query(`CREATE ROLE ${DEMO_ROLE} LOGIN PASSWORD ${admin.escapeLiteral(rolePassword)}`);
    for (const tenant of TENANTS) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(tenant.database)} OWNER ${DEMO_ROLE}`);
    }
  });
  for (const tenant of TENANTS.filter((t) => t.schema !== undefined)) {
    await withClient(tenantUrl(tenant, port, rolePassword), (client) =>
      // Created by the worker's role, so it owns the schema and `tqw migrate` can create tables in it.
      client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(tenant.schema)}`),
    );
  }
}

/** Runs examples/sql/products.postgres.sql in every tenant (in its schema), for the ProductUpdate handler. */
async function createProductsTables({ port, rolePassword }) {
  const script = readFileSync(PRODUCTS_SQL, 'utf8');
  for (const tenant of TENANTS) {
    await withClient(tenantUrl(tenant, port, rolePassword), async (client) => {
      // The script's table name is unqualified on purpose: search_path decides the schema.
      if (tenant.schema !== undefined) await client.query(`SET search_path TO ${client.escapeIdentifier(tenant.schema)}`);
      await client.query(script);
    });
  }
}

/** One small pg pool per tenant for the producer and the live view (the worker has its own). */
function openTenantPools({ port, rolePassword }) {
  const pools = new Map();
  for (const tenant of TENANTS) {
    const pool = new Pool({ connectionString: tenantUrl(tenant, port, rolePassword), max: 2 });
    // An idle client's error (the server stopping) must not crash the demo; queries still reject.
    pool.on('error', () => {});
    pools.set(tenant.id, pool);
  }
  return {
    pools,
    close: () => Promise.all([...pools.values()].map((pool) => pool.end())),
  };
}

module.exports = {
  DEMO_ROLE,
  TENANTS,
  PRODUCTS_SQL,
  qualifiedTable,
  tenantUrl,
  createTenantDatabases,
  createProductsTables,
  openTenantPools,
};
