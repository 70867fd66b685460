import type { PostgresMigration } from './types';

/**
 * The "Id" default becomes uuidv7() (time-ordered, PostgreSQL 18 and later) instead of
 * gen_random_uuid(): rows inserted without an id (a producer leaving it to the table, COPY, a psql
 * session) then get ids in creation order, like the ones tqw's enqueue() makes (see
 * src/store/message-id.ts for why that makes every claim and completion cheaper).
 * On an older server (no uuidv7()) the default stays gen_random_uuid(): the block checks for the
 * function instead of the version, so it also does the right thing on a server where an extension
 * or an administrator provides it under that name.
 * Only the default changes: no row is rewritten, existing ids stay as they are.
 */
export const timeOrderedIdDefault: PostgresMigration = {
  id: '0004-time-ordered-id-default',
  statements: (table) => {
    if (table.includes('$tqw$')) throw new TypeError(`table name ${table} cannot contain '$tqw$' (the migration's quote)`);
    return [
      `DO $tqw$
BEGIN
  IF to_regprocedure('uuidv7()') IS NOT NULL THEN
    EXECUTE ${literal(`ALTER TABLE ${table} ALTER COLUMN "Id" SET DEFAULT uuidv7()`)};
  END IF;
END
$tqw$`,
    ];
  },
};

/** A PostgreSQL string literal (standard_conforming_strings: only the quote is doubled). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
