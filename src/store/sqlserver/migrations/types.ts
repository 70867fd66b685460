/** One schema change of the queue table. Migrations are append-only: never edit or renumber one that shipped. */
export interface SqlServerMigration {
  /** Stable id recorded in [QueueMigrations] ("0001-create-queue-messages"). */
  id: string;
  /**
   * The DDL batches, run in order inside the migration transaction, each as its own request (so
   * each may create what the next one uses). `table` is the bracket-quoted, schema-qualified queue
   * table; `qualify(name)` quotes another table of the same schema. Each batch is idempotent on its own (IF OBJECT_ID(...) IS NULL, COL_LENGTH(...) IS NULL; indexes by their key columns, see index-keys.ts),
   * so a table an application created before tqw (the article's CREATE TABLE, EF Core) is adopted
   * rather than rejected: only what is missing is added.
   */
  statements(table: string, qualify: (name: string) => string): string[];
}
