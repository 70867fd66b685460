/**
 * Delay math of retries (retry-policy.ts) and polling backoffs. All "exponential with jitter": the n-th step waits base * 2^(n-1),
 * capped, then jittered so that many messages (or many workers) failing together do not come back
 * together. We use "equal jitter" (half fixed, half random) rather than full jitter so a retry
 * never comes back almost immediately: a handler failing because a dependency is down deserves
 * at least half the nominal wait.
 */

/** Returns a number in [0, 1). Injectable so tests can pin the jitter. */
export type RandomSource = () => number;

export interface ExponentialBackoff {
  baseMs: number;
  maxMs: number;
}

/** Nominal (un-jittered) delay of step `n` (n >= 1): min(max, base * 2^(n-1)). */
export function nominalDelayMs(step: number, { baseMs, maxMs }: ExponentialBackoff): number {
  const exponent = Math.max(0, Math.min(step - 1, 52));
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

/** Equal-jitter delay of step `n`: uniformly in [nominal/2, nominal). */
export function jitteredDelayMs(step: number, backoff: ExponentialBackoff, random: RandomSource = Math.random): number {
  const nominal = nominalDelayMs(step, backoff);
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
