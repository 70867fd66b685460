'use strict';
/**
 * The harness's own statements against tqw's QueueMessages tables (seeding, emptying, checking), per
 * dialect. They run as the admin, outside the measured worker, and are not timed. The worker itself
 * only ever runs tqw's real code (dist/).
 */

const MESSAGE_TYPE = 'bench.noop';

const postgres = {
  /** Opens an admin connection pool (pg from the repo). */
  async open(url) {
    const { Pool } = require('pg');
    const pool = new Pool({ connectionString: url, max: 4, application_name: 'tqw-bench-admin' });
    pool.on('error', () => undefined);
    return {
      pool,
      query: (text, params) => pool.query(text, params).then((r) => r.rows),
      close: () => pool.end(),
    };
  },
  /**
   * `count` due messages for one tenant in one statement, ScheduledTime 1 ms apart in seq order
   * (as a producer enqueueing them one after another would leave them). The Id is the table's
   * default, as for a producer that leaves it to the table: uuidv7() on PostgreSQL 18 (migration
   * 0004), time-ordered like the ids tqw's enqueue() makes.
   */
  async seed(db, schema, count) {
    await db.query(
      `INSERT INTO "${schema}"."QueueMessages"
         ("TenantId", "MessageType", "Payload", "ScheduledTime", "ProcessingAttempts", "Status", "CreatedAt")
       SELECT $1::varchar, $2::varchar, json_build_object('seq', g)::text,
              now() - ($3::int - g) * interval '1 millisecond', 0, 'Pending', now()
         FROM generate_series(1, $3::int) AS g`,
      [schema, MESSAGE_TYPE, count],
    );
  },
  /** Fresh statistics after a bulk load, as autovacuum would give a long-running queue. */
  async analyze(db, schemas) {
    for (const s of schemas) await db.query(`ANALYZE "${s}"."QueueMessages"`);
  },
  /** Priorities 0-9 spread over the seeded messages (the features scenario). */
  async spreadPriorities(db, schema) {
    await db.query(`UPDATE "${schema}"."QueueMessages" SET "Priority" = (("Payload"::json ->> 'seq')::int * 7) % 10`);
  },
  async truncate(db, schemas) {
    // CASCADE: the error history (QueueMessageErrors) references the queue table.
    if (schemas.length) await db.query(`TRUNCATE ${schemas.map((s) => `"${s}"."QueueMessages"`).join(', ')} CASCADE`);
  },
  /** Rows of every schema's table, only those with status `status` when given. */
  async count(db, schemas, status) {
    const where = status ? ` WHERE "Status" = '${status}'` : '';
    const parts = schemas.map((s) => `SELECT count(*) AS n FROM "${s}"."QueueMessages"${where}`);
    const rows = await db.query(`SELECT sum(n)::bigint AS n FROM (${parts.join(' UNION ALL ')}) AS c`);
    return Number(rows[0].n);
  },
  completed(db, schemas) {
    return this.count(db, schemas, 'Completed');
  },
  /** One round trip to the server (what the SQL Server pickup target allows on top of the probe interval). */
  ping(db) {
    return db.query('SELECT 1 AS one');
  },
  rows(db, schemas) {
    return this.count(db, schemas);
  },
};

const sqlserver = {
  async open(url) {
    const mssql = require('mssql');
    const pool = await new mssql.ConnectionPool(url).connect();
    return {
      pool,
      query: async (text, params = []) => {
        const request = pool.request();
        params.forEach((value, i) => request.input(`p${i + 1}`, value));
        return (await request.query(text)).recordset ?? [];
      },
      close: () => pool.close(),
    };
  },
  async seed(db, schema, count) {
    // A numbers source without a helper table: two cross-joined catalog views give millions of rows.
    await db.query(
      `INSERT INTO [${schema}].[QueueMessages]
         (Id, TenantId, MessageType, Payload, ScheduledTime, ProcessingAttempts, Status, CreatedAt)
       SELECT NEWID(), @p1, @p2, CONCAT(N'{"seq":', n, N'}'),
              CAST(DATEADD(millisecond, CAST(n - @p3 AS int), SYSUTCDATETIME()) AS DATETIMEOFFSET(3)), 0, N'Pending',
              CAST(SYSUTCDATETIME() AS DATETIMEOFFSET(3))
         FROM (SELECT TOP (@p3) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS n
                 FROM sys.all_objects a CROSS JOIN sys.all_objects b) AS numbers`,
      [schema, MESSAGE_TYPE, count],
    );
  },
  async analyze(db, schemas) {
    for (const s of schemas) await db.query(`UPDATE STATISTICS [${s}].[QueueMessages]`);
  },
  async truncate(db, schemas) {
    // SQL Server cannot TRUNCATE a table a foreign key references (the error history): empty that first.
    for (const s of schemas) {
      await db.query(`IF OBJECT_ID(N'[${s}].[QueueMessageErrors]') IS NOT NULL TRUNCATE TABLE [${s}].[QueueMessageErrors]`);
      await db.query(`DELETE FROM [${s}].[QueueMessages]`);
    }
  },
  /** Rows of every schema's table, only those with status `status` when given. */
  async count(db, schemas, status) {
    const where = status ? ` WHERE Status = N'${status}'` : '';
    let total = 0;
    for (const s of schemas) {
      const rows = await db.query(`SELECT COUNT(*) AS n FROM [${s}].[QueueMessages]${where}`);
      total += Number(rows[0].n);
    }
    return total;
  },
  completed(db, schemas) {
    return this.count(db, schemas, 'Completed');
  },
  ping(db) {
    return db.query('SELECT 1 AS one');
  },
  rows(db, schemas) {
    return this.count(db, schemas);
  },
};

module.exports = { TABLES: { postgres, sqlserver }, MESSAGE_TYPE };
