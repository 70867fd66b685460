import { quoteIdent, quoteLiteral } from '../quote-table';

/**
 * The statements that open a handler's transaction before its opening statement, pipelined with it
 * (transaction-chain.ts): BEGIN, then the transaction's local settings in one SELECT:
 * - `tqw.transaction = 'open'`: proof that what follows runs inside the block BEGIN opened. Pipelined
 *   statements each have their own Sync, so had BEGIN failed the next ones would run on their own
 *   (autocommit); set_config(..., true) outside a block lasts only for its own statement, so the
 *   opening statement (IN_OPENED_TRANSACTION) would then match nothing instead of committing at once.
 * - for a tenant with a schema, `search_path` = that schema, then public: the handler's unqualified
 *   table names resolve to the tenant's own tables, for this transaction only (a pooled connection
 *   does not carry it to another tenant).
 */
export function openTransactionSql(schema: string | undefined): readonly string[] {
  const settings = ["set_config('tqw.transaction', 'open', true)"];
  if (schema !== undefined) settings.push(`set_config('search_path', ${quoteLiteral(`${quoteIdent(schema)}, public`)}, true)`);
  return ['BEGIN', `SELECT ${settings.join(', ')}`];
}

/** The opening statement's guard (see openTransactionSql): true only inside the transaction it opened. */
export const IN_OPENED_TRANSACTION = "current_setting('tqw.transaction', true) = 'open'";
