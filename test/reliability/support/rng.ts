/**
 * A seeded random source, so a failing fault schedule can be replayed: every scenario logs and reports
 * its seed; `TQW_RELIABILITY_SEED=<n>` replays it.
 */
export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: tiny, fast, good enough for schedules (not for secrets). */
export function createRng(seed: number = defaultSeed()): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

function defaultSeed(): number {
  const fromEnv = process.env.TQW_RELIABILITY_SEED;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed)) throw new Error(`TQW_RELIABILITY_SEED must be an integer, got '${fromEnv}'`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
