/** The expected index names that are not among the present ones (`tqw check`), in expected order. */
export function missingIndexes(expected: readonly string[], present: Iterable<string>): string[] {
  const found = new Set(present);
  return expected.filter((name) => !found.has(name));
}
