import { indexWithKeysExists } from '../index-keys';
import type { SqlServerMigration } from './types';

/** The claim's index; `tqw check` can look for it by this name. */
export const CLAIM_INDEX = 'IX_QueueMessages_Status_ScheduledTime';

/** Its key columns. */
export const CLAIM_INDEX_KEYS: readonly string[] = ['Status', 'ScheduledTime'];

/**
 * The claim's index: (Status, ScheduledTime).
 * - The claim seeks the Status = 'Failed' and 'Pending' ranges with ScheduledTime <= now, in
 *   ScheduledTime order within each, and the short Status = 'Processing' range (in-flight rows) for
 *   expired leases. Completed rows, millions of them after a while, sit in their own range that the
 *   claim never reads, so its cost does not grow with history.
 * - depth() counts each non-terminal status by seeking its range (Status is the leading column);
 *   listDeadLetters and purge seek the 'DeadLetter' / 'Completed' ranges.
 * - Id, the clustered key, is in every leaf of this index, so finding Pending/Failed candidates
 *   needs nothing else.
 * - Deliberately NOT INCLUDE (DequeueTime): the claim must read DequeueTime from the base row (the
 *   clustered index) to decide that a lease expired. The base row is what a claim transaction
 *   (withClaimTransaction) locks, so a claimer reading with READPAST skips a message whose handler
 *   still runs past its lease. With DequeueTime in this index the claimer would decide from the
 *   index alone, pick the row, and its UPDATE would find it locked by that handler's transaction.
 *   (Do not add an index that covers DequeueTime for the same reason.)
 * - Not a filtered index (WHERE Status IN (...)): a filtered index makes every INSERT/UPDATE on
 *   the table fail unless the session has ANSI_NULLS, ANSI_PADDING, ANSI_WARNINGS, ARITHABORT,
 *   CONCAT_NULL_YIELDS_NULL and QUOTED_IDENTIFIER ON and NUMERIC_ROUNDABORT OFF; the producers
 *   writing into an existing article table (old ODBC drivers, sqlcmd without -I) may not have
 *   them, and we must not break their INSERTs. Its filter would also have to be literals, which
 *   purge's parameterised Status could not use. The Completed range costs index space only.
 * Created only when no index of the table already has these leading keys (index-keys.ts): not
 * checked by name, which Babelfish reads back mangled, so the check also holds there and an
 * equivalent index a DBA created under another name is adopted.
 */
export const createQueueIndexes: SqlServerMigration = {
  id: '0002-create-queue-indexes',
  statements: (table) => [
    `IF NOT ${indexWithKeysExists(table, CLAIM_INDEX_KEYS)}
CREATE NONCLUSTERED INDEX [${CLAIM_INDEX}] ON ${table} (${CLAIM_INDEX_KEYS.join(', ')});`,
  ],
};
