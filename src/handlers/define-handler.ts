import type { Transaction } from 'mssql';
import type { PoolClient } from 'pg';
import type { Handler } from './types';

/**
 * Identity helper that gives TypeScript users type checking and inference for a handler module:
 *
 *   export default defineHandler<{ productId: string }>({ type: 'ProductUpdate', async handle(m, ctx) { ... } });
 *
 * ctx.db is `unknown` there (the handler may run on either store); for one store use
 * definePostgresHandler or defineSqlServerHandler, which type it.
 */
export function defineHandler<TPayload = unknown, TDb = unknown>(handler: Handler<TPayload, TDb>): Handler<TPayload, TDb> {
  return handler;
}

/**
 * A transactional handler for PostgreSQL tenants: ctx.db is the pg PoolClient of the message's
 * transaction (inside BEGIN, search_path set to the tenant's schema).
 *
 *   export default definePostgresHandler<{ id: string }>({ type: 'Touch', async handle(m, ctx) { await ctx.db.query('...') } });
 */
export function definePostgresHandler<TPayload = unknown>(
  handler: Omit<Handler<TPayload, PoolClient>, 'dialect'>,
): Handler<TPayload, PoolClient> {
  return { ...handler, dialect: 'postgres' };
}

/** A transactional handler for SQL Server tenants: ctx.db is the mssql Transaction of the message (`ctx.db.request()`). */
export function defineSqlServerHandler<TPayload = unknown>(
  handler: Omit<Handler<TPayload, Transaction>, 'dialect'>,
): Handler<TPayload, Transaction> {
  return { ...handler, dialect: 'sqlserver' };
}
