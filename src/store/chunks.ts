/** Splits `items` into consecutive slices of at most `size` (size >= 1). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be an integer >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Runs `run` on each chunk of `items` in turn (one statement at a time on the pool, so a group
 * statement never takes more than one connection) and concatenates the per-item results in order.
 */
export async function mapChunks<T, R>(items: readonly T[], size: number, run: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const results: R[] = [];
  for (const chunk of chunks(items, size)) {
    const part = await run(chunk);
    if (part.length !== chunk.length)
      throw new Error(`group statement returned ${part.length} results for ${chunk.length} tables (store bug)`);
    results.push(...part);
  }
  return results;
}
