/**
 * depth() of many tables in ONE statement, across the databases of a server (three-part names):
 * one row per table, [Index] in the order given; each COUNT seeks its Status range of the claim
 * index, WITH (NOLOCK) as depth.ts explains (a gauge needs no exact snapshot and must not wait).
 */
export function depthManySql(tables: readonly string[]): string {
  if (tables.length === 0) throw new RangeError('depthManySql needs at least one table');
  return `${tables
    .map(
      (table, index) => `SELECT ${index} AS [Index],
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'Pending') AS [Pending],
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'Processing') AS [Processing],
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'Failed') AS [Failed],
  (SELECT COUNT(*) FROM ${table} WITH (NOLOCK) WHERE Status = N'DeadLetter') AS [DeadLetter]`,
    )
    .join('\nUNION ALL\n')};`;
}
