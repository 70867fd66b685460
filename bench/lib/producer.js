'use strict';
/**
 * The harness's producer for the idle scenarios: tqw's own `enqueue()` (dist/) through an admin
 * connection, so the worker's statement count does not include it.
 */
const { join } = require('node:path');
const { tqwRoot } = require('./tqw-snapshot');

const tqw = require(join(tqwRoot(), 'dist', 'index.js'));
const { MESSAGE_TYPE } = require('../contenders/tqw-tables');

async function openProducer({ dialect, url }) {
  if (dialect === 'sqlserver') {
    const mssql = require('mssql');
    const pool = await new mssql.ConnectionPool(url).connect();
    return {
      enqueue: (schema, payload) =>
        tqw.enqueue(pool, { tenantId: schema, messageType: MESSAGE_TYPE, payload }, { schema, dialect: 'sqlserver' }),
      close: () => pool.close(),
    };
  }
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, application_name: 'tqw-bench-producer' });
  await client.connect();
  return {
    enqueue: (schema, payload) => tqw.enqueue(client, { tenantId: schema, messageType: MESSAGE_TYPE, payload }, { schema }),
    close: () => client.end(),
  };
}

module.exports = { openProducer };
