/** Rows of (MessageType, Count) as a record with the types in code-unit order (both dialects). */
export function byTypeCounts(rows: readonly { MessageType: string; Count: number | string }[]): Record<string, number> {
  const sorted = [...rows].sort((a, b) => (a.MessageType < b.MessageType ? -1 : a.MessageType > b.MessageType ? 1 : 0));
  return Object.fromEntries(sorted.map((r) => [r.MessageType, Number(r.Count)]));
}
