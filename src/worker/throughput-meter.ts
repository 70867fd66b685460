/**
 * Messages started per second, smoothed: sizes the prefetch (see ClaimPlanner.prefetchRoom). Counts
 * in windows of WINDOW_MS and blends each finished window into the rate (half old, half new), so
 * one odd window does not swing it. A rise is followed at once: once PARTIAL_WINDOW_MS of the
 * current window have passed and at least `minPartialCount` messages started in it, a higher rate
 * within it is reported right away (without it a worker starting on a full queue claims a few
 * rows at a time for its first window; figures: docs/performance.md, "The prefetch follows a
 * rise"). The minimum count
 * (the planner uses twice the handler slots) keeps one burst of slow handlers starting together
 * from reading as a high rate. A fall still takes a few windows, so a pause between two bursts
 * does not shrink the prefetch. No timers: the rate is brought up to date when it is read.
 */
const WINDOW_MS = 100;
const PARTIAL_WINDOW_MS = 10;

export class ThroughputMeter {
  private count = 0;
  private windowStart: number;
  private rate = 0;

  constructor(
    now: number,
    private readonly minPartialCount = 0,
  ) {
    this.windowStart = now;
  }

  record(n = 1): void {
    this.count += n;
  }

  /** Smoothed messages per second as of `now`. */
  perSecond(now: number): number {
    const elapsed = now - this.windowStart;
    if (elapsed < WINDOW_MS) {
      if (elapsed < PARTIAL_WINDOW_MS || this.count < this.minPartialCount) return this.rate;
      return Math.max(this.rate, (this.count * 1000) / elapsed);
    }
    const windowRate = (this.count * 1000) / elapsed;
    // Read late (no pump for several windows): the gap's own average replaces the rate.
    this.rate = elapsed >= 2 * WINDOW_MS ? windowRate : this.rate / 2 + windowRate / 2;
    this.count = 0;
    this.windowStart = now;
    return this.rate;
  }
}
