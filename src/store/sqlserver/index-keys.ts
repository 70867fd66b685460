import { quoteLiteral } from './quote-table';

/**
 * Indexes are recognised by their leading key columns, never by the names read back from
 * sys.indexes: Babelfish stores an index under a mangled name (`IX_QueueMessages_Status_ScheduledTime`
 * reads back as `ix_queuemessages_status_scheduledtimequeuemessages<hash>`), so a check by name
 * never matches there, and on SQL Server an equivalent index a DBA created under another name is
 * found too. Column names compare case-insensitively, as the database's collation does (Babelfish
 * reads them back lower-cased).
 */
export interface IndexShape {
  /** The name `tqw migrate` gives it and `tqw check` reports. */
  name: string;
  /** Its key columns, in order; any index whose keys start with these counts. */
  keys: readonly string[];
}

/**
 * `EXISTS (...)`: some index of `table` (bracket-quoted) has `keys` as its first key columns, in
 * order (sys.index_columns.key_ordinal counts key columns from 1; INCLUDE columns have 0).
 */
export function indexWithKeysExists(table: string, keys: readonly string[]): string {
  if (keys.length === 0) throw new RangeError('an index shape needs at least one key column');
  const joins = keys
    .slice(1)
    .map(
      (_, i) =>
        `\n  JOIN sys.index_columns k${i + 2} ON k${i + 2}.object_id = k1.object_id AND k${i + 2}.index_id = k1.index_id AND k${i + 2}.key_ordinal = ${i + 2}`,
    )
    .join('');
  const columns = keys.map((key, i) => `COL_NAME(k${i + 1}.object_id, k${i + 1}.column_id) = ${quoteLiteral(key)}`).join('\n    AND ');
  return `EXISTS (
  SELECT 1 FROM sys.index_columns k1${joins}
  WHERE k1.object_id = OBJECT_ID(${quoteLiteral(table)}) AND k1.key_ordinal = 1
    AND ${columns})`;
}

/** One row of sql/list-indexes.ts: a key column of an index. */
export interface IndexKeyRow {
  IndexId: number;
  KeyOrdinal: number;
  ColumnName: string;
}

/** The expected indexes that no index of the table matches (by leading keys), in expected order. */
export function missingIndexShapes(expected: readonly IndexShape[], rows: readonly IndexKeyRow[]): string[] {
  const byIndex = new Map<number, string[]>();
  for (const row of [...rows].sort((a, b) => a.IndexId - b.IndexId || a.KeyOrdinal - b.KeyOrdinal)) {
    const keys = byIndex.get(row.IndexId) ?? [];
    keys.push(row.ColumnName.toLowerCase());
    byIndex.set(row.IndexId, keys);
  }
  const present = [...byIndex.values()];
  return expected
    .filter(({ keys }) => !present.some((have) => keys.every((key, i) => have[i] === key.toLowerCase())))
    .map(({ name }) => name);
}
