// @ts-check
'use strict';
/**
 * SQL Server setup of the docker compose demo, run by the one-shot `init` service (docker/init/init.sh) and by
 * test/deploy/mssql-init.test.ts wherever MSSQL_URL names a SQL Server:
 *
 *   before-migrate  as the administrator, in master: the tenant databases, the worker's and the producer's logins
 *   (`tqw migrate` then runs as the administrator and creates QueueMessages in every tenant database)
 *   after-migrate   as the administrator, in each tenant database: the examples' Products table, a user for each
 *                   login and its grants (the worker gets data rights on QueueMessages and Products, the producer
 *                   INSERT on QueueMessages; neither gets a role)
 *
 * Every step checks before it creates, so running the init again changes nothing, except that a changed password
 * is applied to the existing login (password rotation). The T-SQL lives in docker/mssql/*.sql; values reach it as
 * parameters, never spliced into the text.
 *
 * Environment (`optionsFromEnv`):
 *   SETUP_ADMIN_CONNECTION   administrator connection string, ADO (`Server=mssql,1433;User Id=sa;Password=...;
 *                            TrustServerCertificate=true`) or URL (`mssql://sa:pw@host:1433/master?encrypt=true`)
 *   SETUP_TENANT_DATABASES   comma-separated database names, default tenant_a,tenant_b,tenant_c
 *   SETUP_SCHEMA             schema holding QueueMessages and Products, default dbo
 *   WORKER_LOGIN             default tqw_worker;    WORKER_PASSWORD (required)
 *   PRODUCER_LOGIN           default tqw_producer;  PRODUCER_PASSWORD (required)
 *   PRODUCTS_SQL             default <repo>/examples/sql/products.sqlserver.sql
 *   SETUP_CONNECT_ATTEMPTS   connection attempts before giving up, default 30 (2 s apart)
 */
const fs = require('node:fs/promises');
const path = require('node:path');
const sql = require('mssql');

const SCRIPTS_DIR = path.join(__dirname, '..', 'mssql');

/** The parameters each docker/mssql script declares in its header and uses; runScript binds exactly these. */
const SCRIPT_PARAMETERS = Object.freeze({
  'create-database.sql': ['Database'],
  'create-login.sql': ['Login', 'Password'],
  'create-user.sql': ['Login', 'Schema'],
  'grant-worker.sql': ['Login', 'Schema'],
  'grant-producer.sql': ['Login', 'Schema'],
});
const DEFAULT_PRODUCTS_SQL = path.join(__dirname, '..', '..', 'examples', 'sql', 'products.sqlserver.sql');

/**
 * @typedef {object} SetupOptions
 * @property {import('mssql').config} admin   administrator connection (its `database` is replaced per step)
 * @property {string[]} databases             tenant database names
 * @property {string} schema                  schema of QueueMessages / Products
 * @property {{ login: string, password: string }} worker
 * @property {{ login: string, password: string }} producer
 * @property {string} productsSql             path of the examples' products SQL
 * @property {number} connectAttempts
 * @property {(line: string) => void} log
 */

/**
 * Parses an administrator connection string, ADO or URL form, into an mssql config.
 * mssql's own parser only reads the ADO form, hence the URL branch.
 * @param {string} connectionString
 * @returns {import('mssql').config}
 */
function parseAdminConnection(connectionString) {
  if (/^(mssql|sqlserver):\/\//i.test(connectionString)) {
    const url = new URL(connectionString);
    const flag = (/** @type {string} */ name, /** @type {boolean} */ fallback) => {
      const value = url.searchParams.get(name);
      return value === null ? fallback : /^(true|yes|1)$/i.test(value);
    };
    return {
      server: url.hostname,
      port: url.port ? Number(url.port) : 1433,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'master',
      options: {
        encrypt: flag('encrypt', true),
        trustServerCertificate: flag('trustServerCertificate', false),
      },
    };
  }
  const parsed = sql.ConnectionPool.parseConnectionString(connectionString);
  if (!parsed.server) {
    throw new Error(
      'SETUP_ADMIN_CONNECTION names no server: give `Server=host,port;User Id=...;Password=...` or ' +
        '`mssql://user:password@host:port/master?encrypt=true&trustServerCertificate=true`',
    );
  }
  return parsed;
}

/**
 * Splits a T-SQL script into batches at `GO` lines, as sqlcmd and SSMS do.
 * @param {string} text
 * @returns {string[]}
 */
function splitBatches(text) {
  return text
    .split(/^[ \t]*GO[ \t]*(?:--[^\n]*)?\r?$/gim)
    .map((batch) => batch.trim())
    .filter((batch) => batch.replace(/--[^\n]*/g, '').trim().length > 0);
}

/**
 * The @variables a script uses but does not DECLARE: the parameters it expects to be bound.
 * Comments and string literals are ignored; @@functions are not variables.
 * @param {string} text
 * @returns {string[]} sorted names without the @
 */
function freeParameters(text) {
  const code = text.replace(/--[^\n]*/g, '').replace(/N?'(?:[^']|'')*'/g, "''");
  const declared = new Set([...code.matchAll(/\bDECLARE\s+@(\w+)/gi)].map((m) => m[1].toLowerCase()));
  const used = new Set([...code.matchAll(/(?<![@\w])@(\w+)/g)].map((m) => m[1]));
  return [...used].filter((name) => !declared.has(name.toLowerCase())).sort();
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {(line: string) => void} [log]
 * @returns {SetupOptions}
 */
function optionsFromEnv(env, log = (line) => console.log(line)) {
  const required = (/** @type {string} */ name) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: the init needs it (see docker-compose.yml, service init)`);
    return value;
  };
  return {
    admin: parseAdminConnection(required('SETUP_ADMIN_CONNECTION')),
    databases: (env.SETUP_TENANT_DATABASES ?? 'tenant_a,tenant_b,tenant_c')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    schema: env.SETUP_SCHEMA || 'dbo',
    worker: { login: env.WORKER_LOGIN || 'tqw_worker', password: required('WORKER_PASSWORD') },
    producer: { login: env.PRODUCER_LOGIN || 'tqw_producer', password: required('PRODUCER_PASSWORD') },
    productsSql: env.PRODUCTS_SQL || DEFAULT_PRODUCTS_SQL,
    connectAttempts: Number(env.SETUP_CONNECT_ATTEMPTS || 30),
    log,
  };
}

/**
 * Opens a pool on `database`, retrying while the server is still starting (a fresh SQL Server container reports
 * healthy before every database is recovered).
 * @param {SetupOptions} options
 * @param {string} database
 */
async function connect(options, database) {
  const config = { ...options.admin, database, pool: { max: 1 } };
  for (let attempt = 1; ; attempt += 1) {
    const pool = new sql.ConnectionPool(config);
    try {
      return await pool.connect();
    } catch (error) {
      await pool.close().catch(() => undefined);
      if (attempt >= options.connectAttempts) {
        throw new Error(
          `cannot connect to SQL Server ${config.server}:${config.port ?? 1433} database ${database} as ` +
            `${config.user} after ${attempt} attempts: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      options.log(`waiting for SQL Server (${database}, attempt ${attempt}): ${error instanceof Error ? error.message : error}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/**
 * Runs one docker/mssql script with its parameters bound as nvarchar(4000): wider than sysname on purpose, so that
 * an over-long value reaches the script's own checks instead of being cut to size by the parameter type.
 * @param {import('mssql').ConnectionPool} pool
 * @param {string} script file name under docker/mssql
 * @param {Record<string, string>} params
 */
async function runScript(pool, script, params) {
  const declared = /** @type {Record<string, readonly string[]>} */ (SCRIPT_PARAMETERS)[script];
  const expected = [...(declared ?? [])].sort();
  const given = Object.keys(params).sort();
  if (declared === undefined || expected.join(',') !== given.join(',')) {
    throw new Error(`docker/mssql/${script} takes parameters ${JSON.stringify(expected)}, was given ${JSON.stringify(given)}`);
  }
  const text = await fs.readFile(path.join(SCRIPTS_DIR, script), 'utf8');
  for (const batch of splitBatches(text)) {
    const request = pool.request();
    for (const [name, value] of Object.entries(params)) request.input(name, sql.NVarChar(4000), value);
    await request.query(batch);
  }
}

/** @param {SetupOptions} options */
async function beforeMigrate(options) {
  const pool = await connect(options, 'master');
  try {
    for (const database of options.databases) {
      await runScript(pool, 'create-database.sql', { Database: database });
      options.log(`database ${database}: present`);
    }
    for (const principal of [options.worker, options.producer]) {
      await runScript(pool, 'create-login.sql', { Login: principal.login, Password: principal.password });
      options.log(`login ${principal.login}: present, password set`);
    }
  } finally {
    await pool.close();
  }
}

/** @param {SetupOptions} options */
async function afterMigrate(options) {
  const productsBatches = splitBatches(await fs.readFile(options.productsSql, 'utf8'));
  for (const database of options.databases) {
    const pool = await connect(options, database);
    try {
      // The examples' script may not guard its CREATE TABLE; checking here keeps the init re-runnable either way.
      const exists = await pool
        .request()
        .input('Schema', sql.NVarChar(128), options.schema)
        .query("SELECT CASE WHEN OBJECT_ID(QUOTENAME(@Schema) + N'.[Products]', N'U') IS NULL THEN 0 ELSE 1 END AS present");
      if (exists.recordset[0].present === 0) {
        for (const batch of productsBatches) await pool.request().batch(batch);
        options.log(`database ${database}: Products created from ${path.basename(options.productsSql)}`);
      }
      const schema = options.schema;
      await runScript(pool, 'create-user.sql', { Login: options.worker.login, Schema: schema });
      await runScript(pool, 'grant-worker.sql', { Login: options.worker.login, Schema: schema });
      await runScript(pool, 'create-user.sql', { Login: options.producer.login, Schema: schema });
      await runScript(pool, 'grant-producer.sql', { Login: options.producer.login, Schema: schema });
      options.log(
        `database ${database}: ${options.worker.login} may read/write QueueMessages and Products, ` +
          `${options.producer.login} may insert into QueueMessages`,
      );
    } finally {
      await pool.close();
    }
  }
}

/** @param {string[]} argv */
async function main(argv) {
  const step = argv[0];
  const steps = { 'before-migrate': beforeMigrate, 'after-migrate': afterMigrate };
  if (step !== 'before-migrate' && step !== 'after-migrate') {
    throw new Error(`usage: setup-mssql.js before-migrate|after-migrate (got ${JSON.stringify(step)})`);
  }
  await steps[step](optionsFromEnv(process.env));
}

module.exports = {
  parseAdminConnection,
  splitBatches,
  freeParameters,
  optionsFromEnv,
  beforeMigrate,
  afterMigrate,
  SCRIPTS_DIR,
  SCRIPT_PARAMETERS,
};

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`init failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
