/**
 * The ProductUpdate handler of examples/handlers/product-update.js, written in TypeScript.
 *
 * In your own project import from the package and compile to the handlers directory:
 *
 *   import { defineHandler, PermanentError } from 'tenant-queue-worker';
 *   npx tsc --outDir handlers      # emits handlers/product-update.js
 *
 * (This copy imports from '../../src' so that the repository type-checks it.) defineHandler adds
 * nothing at run time: it gives the payload and ctx.db their types, so a typo such as
 * `message.payload.productID` or `maxAttempt: 3` is a compile error.
 *
 * Because your compiled handler bundles its own copy of the package's PermanentError, tqw recognises
 * it by its name and code (not only by `instanceof`), so throwing it works across copies.
 */
import type { Transaction } from 'mssql';
import type { PoolClient } from 'pg';
import { defineHandler, PermanentError } from '../../src';

/** The article's ProductUpdateMessage(Guid ProductId, string NewName). */
interface ProductUpdatePayload {
  productId: string;
  newName: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ctx.db is a pg client inside BEGIN (PostgreSQL) or an mssql Transaction (SQL Server). */
type TenantTransaction = PoolClient | Transaction;

export default defineHandler<ProductUpdatePayload, TenantTransaction>({
  type: 'ProductUpdate',
  transactional: true,
  async handle(message, ctx) {
    // The payload is parsed JSON from the producer: the type says what it should be, not what it is.
    const { productId, newName } = (message.payload ?? {}) as Partial<ProductUpdatePayload>;
    if (typeof productId !== 'string' || !GUID.test(productId)) {
      throw new PermanentError(`ProductUpdate payload needs "productId" as a GUID string, got ${JSON.stringify(productId)}`);
    }
    if (typeof newName !== 'string' || newName.trim() === '') {
      throw new PermanentError('ProductUpdate payload needs "newName" as a non-empty string');
    }
    ctx.signal.throwIfAborted();

    if ('query' in ctx.db) {
      // PostgreSQL: insert or rename in one atomic, idempotent statement.
      await ctx.db.query(
        `INSERT INTO "Products" ("Id", "Name", "UpdatedAt") VALUES ($1, $2, now())
         ON CONFLICT ("Id") DO UPDATE SET "Name" = EXCLUDED."Name", "UpdatedAt" = EXCLUDED."UpdatedAt"`,
        [productId, newName],
      );
    } else {
      // SQL Server: update, else insert; UPDLOCK + SERIALIZABLE keep two concurrent inserts of one id apart.
      await ctx.db
        .request()
        .input('productId', productId)
        .input('newName', newName)
        .query(
          `UPDATE Products WITH (UPDLOCK, SERIALIZABLE) SET Name = @newName, UpdatedAt = SYSDATETIMEOFFSET() WHERE Id = @productId;
           IF @@ROWCOUNT = 0 INSERT INTO Products (Id, Name, UpdatedAt) VALUES (@productId, @newName, SYSDATETIMEOFFSET());`,
        );
    }
    ctx.log.info({ productId, newName }, 'product renamed');
  },
});
