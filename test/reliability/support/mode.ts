/**
 * Quick mode (inside `npm test`) or soak mode (`TQW_SOAK=1`, `npm run test:soak`): the same scenarios,
 * soak with more messages, more kills and more restarts. Every scenario takes its sizes from `scale`.
 */
export const SOAK = process.env.TQW_SOAK === '1';

export const MODE: 'quick' | 'soak' = SOAK ? 'soak' : 'quick';

/** The quick value, or the soak value under TQW_SOAK=1. */
export function scale<T>(quick: T, soak: T): T {
  return SOAK ? soak : quick;
}
