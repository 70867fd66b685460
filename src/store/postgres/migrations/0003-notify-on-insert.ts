import type { PostgresMigration } from './types';

/** The channel every queue table's insert trigger notifies; the payload is the table's schema. */
export const NOTIFY_CHANNEL = 'tqw_queue';

/** Name of the trigger function, created in the queue table's schema. */
export const NOTIFY_FUNCTION = 'tqw_notify_queue_insert';

/** Name of the trigger on "QueueMessages". */
export const NOTIFY_TRIGGER = 'TR_QueueMessages_Notify';

/**
 * Wake-up on insert: a statement-level AFTER INSERT trigger that sends
 * `NOTIFY tqw_queue, '<schema>'`, so an idle worker LISTENing on the database claims a new message
 * within milliseconds instead of at its next poll. In the database, not in our producer, so it
 * fires for every producer (the .NET application's INSERT, `tqw enqueue`, COPY, a psql session).
 * - FOR EACH STATEMENT: one notification per INSERT statement, however many rows it writes; and
 *   PostgreSQL folds identical notifications of one transaction into one.
 * - The payload is the table's schema (TG_TABLE_SCHEMA), so the worker wakes only the tenant of
 *   that schema, not the whole database.
 * - Delivered at COMMIT (a rolled-back insert notifies nobody), and only to sessions of the same
 *   database. Nothing else depends on it: a worker not listening, a missed notification or a
 *   table without the trigger only means the row waits for the next poll.
 * - pg_catalog.pg_notify is qualified, and the function sets its own search_path, so a caller's
 *   search_path cannot redirect it. It runs with the inserting role's rights (SECURITY INVOKER);
 *   pg_notify needs no privilege.
 * - Cost for producers: a notifying COMMIT briefly takes a global lock on the notification queue,
 *   which serialises the commits of concurrent notifying inserts (single-row inserts at tens of
 *   thousands per second feel it; batch them, or drop the trigger and rely on polling).
 * DROP TRIGGER IF EXISTS + CREATE TRIGGER (instead of CREATE OR REPLACE TRIGGER, PostgreSQL 14+)
 * keeps the pair idempotent on older servers too.
 */
export const notifyOnInsert: PostgresMigration = {
  id: '0003-notify-on-insert',
  statements: (table, qualify) => {
    const fn = qualify(NOTIFY_FUNCTION);
    return [
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  PERFORM pg_catalog.pg_notify('${NOTIFY_CHANNEL}', TG_TABLE_SCHEMA);
  RETURN NULL;
END
$$`,
      `DROP TRIGGER IF EXISTS "${NOTIFY_TRIGGER}" ON ${table}`,
      `CREATE TRIGGER "${NOTIFY_TRIGGER}" AFTER INSERT ON ${table}
FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    ];
  },
};
