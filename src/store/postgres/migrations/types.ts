/** One schema change of the queue table. Migrations are append-only: never edit or renumber one that shipped. */
export interface PostgresMigration {
  /** Stable id recorded in "QueueMigrations" ("0001-create-queue-messages"). */
  id: string;
  /**
   * The DDL statements, run in order inside the migration transaction. `table` is the quoted,
   * schema-qualified queue table. Each statement is idempotent on its own (IF NOT EXISTS), so a
   * table created by an application before tqw (e.g. EF Core) is adopted rather than rejected.
   */
  statements(table: string): string[];
}
