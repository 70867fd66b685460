/** A UUID in its text form: the only thing this statement may inline. */
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Locks the message's row by id alone, in a transaction that is about to check the claim's fence
 * (CompletingTransactionOptions.afterClaimCommit): when the claim has not committed yet, this waits
 * for its row lock, i.e. for that commit. Under READ COMMITTED a statement only waits for rows that
 * match its conditions in its own snapshot; the fenced UPDATE's snapshot would still hold the row as
 * it was before the claim, not match it, and report a lost lease. The id matches in either version,
 * so this statement waits, and the fenced statement after it (a new snapshot) reads the claimed row.
 * FOR NO KEY UPDATE: the lock the UPDATE takes anyway. Sent in the transaction's opening round trip
 * (BeginThenQuery's preamble, which carries no parameters and asks for no row description): the id
 * is inlined, after checking that it is a UUID, and the select list is empty (a row of no columns).
 */
export function waitForClaimSql(table: string, id: string): string {
  if (!UUID_TEXT.test(id)) throw new TypeError(`message id must be a UUID, got '${id}'`);
  return `SELECT FROM ${table} WHERE "Id" = '${id}'::uuid FOR NO KEY UPDATE`;
}
