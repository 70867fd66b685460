/** The single row of an aggregate statement (no GROUP BY); its absence is a server bug worth a clear error. */
export function oneRow<R>(rows: readonly R[], statement: string): R {
  const [row] = rows;
  if (row === undefined) throw new Error(`the ${statement} statement returned no row`);
  return row;
}
