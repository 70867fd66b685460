'use strict';
/**
 * Example handler: the article's ProductUpdate message.
 *
 *   MessageType: 'ProductUpdate'
 *   Payload:     { "productId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "newName": "Blue Widget" }
 *
 * It renames the product in the tenant's own `Products` table, creating the row if it does not exist
 * yet (an "upsert"), so the demo also works on an empty table. Create the table first with
 * examples/sql/products.postgres.sql or examples/sql/products.sqlserver.sql.
 *
 * Why it is transactional (the default): tqw gives the handler the tenant database transaction in
 * `ctx.db`, and commits the handler's writes together with the message's Completed status. Either
 * both happen or neither does, so the product is updated exactly once even if the worker crashes.
 *
 * Plain CommonJS JavaScript on purpose: drop the file into handlers.dir, no build step needed.
 */

// A GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301 (any letter case). Checked here because a
// malformed id would fail inside the database on every retry: better to dead-letter it at once.
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The Name column is varchar(200) / NVARCHAR(200).
const MAX_NAME_LENGTH = 200;

/**
 * An error that tells tqw "retrying cannot help: dead-letter this message now".
 * A handler file in handlers.dir usually cannot `require('tenant-queue-worker')` (the package is
 * not installed next to it), so instead of the exported PermanentError class we mark a plain Error:
 * tqw treats any error named 'PermanentError' (or with code 'TQW_PERMANENT_FAILURE') as permanent.
 * Any other thrown error is retried with backoff.
 */
function permanentError(message) {
  const err = new Error(message);
  err.name = 'PermanentError';
  err.code = 'TQW_PERMANENT_FAILURE';
  return err;
}

/** PostgreSQL: ctx.db is a `pg` client inside BEGIN. Parameters are $1, $2, ... */
async function upsertPostgres(client, productId, newName) {
  // One statement that inserts the product or, when a row with this Id exists, renames it.
  // ON CONFLICT is atomic even if two messages for the same new product run at once, and running it
  // twice gives the same result (idempotent), which matters because a message can be redelivered.
  // "Products" is unqualified: it resolves through the connection's search_path (the tenant schema).
  await client.query(
    `INSERT INTO "Products" ("Id", "Name", "UpdatedAt")
     VALUES ($1, $2, now())
     ON CONFLICT ("Id") DO UPDATE SET "Name" = EXCLUDED."Name", "UpdatedAt" = EXCLUDED."UpdatedAt"`,
    [productId, newName],
  );
}

/** SQL Server: ctx.db is an `mssql` Transaction. Parameters are @name, bound with request.input(). */
async function upsertSqlServer(transaction, productId, newName) {
  // transaction.request() creates a request that runs inside the message's transaction (no need to
  // require('mssql') from this folder).
  const request = transaction.request();
  request.input('productId', productId);
  request.input('newName', newName);
  // Update first; insert only when no row was updated. WITH (UPDLOCK, SERIALIZABLE) locks the key
  // (or the gap where it would go) until commit, so two concurrent messages for the same new product
  // cannot both insert it. MERGE is avoided: it has known concurrency bugs and Babelfish rejects it.
  await request.query(
    `UPDATE Products WITH (UPDLOCK, SERIALIZABLE)
        SET Name = @newName, UpdatedAt = SYSDATETIMEOFFSET()
      WHERE Id = @productId;
     IF @@ROWCOUNT = 0
       INSERT INTO Products (Id, Name, UpdatedAt) VALUES (@productId, @newName, SYSDATETIMEOFFSET());`,
  );
}

module.exports = {
  // The MessageType column value this module handles.
  type: 'ProductUpdate',

  // true is the default; written out because it is the point of this example (see the top comment).
  transactional: true,

  /**
   * @param message { id, tenantId, type, payload (parsed JSON), attempt, correlationId, scheduledTime, createdAt }
   * @param ctx     { tenantId, db (the tenant transaction), log (pino logger), signal (AbortSignal) }
   */
  async handle(message, ctx) {
    const { productId, newName } = message.payload ?? {};

    // A message that can never succeed is dead-lettered at once instead of retried 5 times.
    if (typeof productId !== 'string' || !GUID.test(productId)) {
      throw permanentError(`ProductUpdate payload needs "productId" as a GUID string, got ${JSON.stringify(productId)}`);
    }
    if (typeof newName !== 'string' || newName.trim() === '' || newName.length > MAX_NAME_LENGTH) {
      throw permanentError(`ProductUpdate payload needs "newName" as a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
    }

    // The timeout or a shutdown may already have fired: stop before touching the database.
    ctx.signal.throwIfAborted();

    // Which database is this tenant on? A pg client has query(); an mssql Transaction has request().
    if (ctx.db && typeof ctx.db.query === 'function') {
      await upsertPostgres(ctx.db, productId, newName);
    } else if (ctx.db && typeof ctx.db.request === 'function') {
      await upsertSqlServer(ctx.db, productId, newName);
    } else {
      throw new Error('ctx.db is not a database transaction: ProductUpdate must run with transactional: true');
    }

    // ctx.log already carries tenant, message id, type, attempt and correlation id.
    ctx.log.info({ productId, newName }, 'product renamed');
  },
};
