/** One schema change of the queue table. Migrations are append-only: never edit or renumber one that shipped. */
export interface PostgresMigration {
  /** Stable id recorded in "QueueMigrations" ("0001-create-queue-messages"). */
  id: string;
  /**
   * The DDL statements, run in order inside the migration transaction. `table` is the quoted,
   * schema-qualified queue table; `qualify(name)` quotes another object name in the same schema
   * (unqualified when the tenant has none). Statements are idempotent (IF NOT EXISTS, OR REPLACE, or
   * a DROP ... IF EXISTS before its CREATE), so a table created by an application before tqw (e.g.
   * EF Core) is adopted rather than rejected.
   */
  statements(table: string, qualify: (name: string) => string): string[];
}
