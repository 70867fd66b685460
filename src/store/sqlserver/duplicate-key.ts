/**
 * Whether a SQL Server error is a unique-key violation: 2627 (PRIMARY KEY / UNIQUE constraint) or
 * 2601 (unique index). Babelfish reports PostgreSQL's unique_violation with the same numbers.
 * Used where two sessions may insert the same key at once and the loser's insert means "already there".
 */
export function isDuplicateKey(err: unknown): boolean {
  const number = (err as { number?: unknown } | null)?.number;
  return number === 2627 || number === 2601;
}
