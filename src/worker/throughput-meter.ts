/**
 * Messages started per second, smoothed: sizes the prefetch (see Worker.prefetchRoom). Counts in
 * windows of WINDOW_MS and blends each finished window into the rate (half old, half new), so the
 * rate follows a change within a few windows and one odd window does not swing it. No timers: the
 * rate is brought up to date when it is read.
 */
const WINDOW_MS = 100;

export class ThroughputMeter {
  private count = 0;
  private windowStart: number;
  private rate = 0;

  constructor(now: number) {
    this.windowStart = now;
  }

  record(n = 1): void {
    this.count += n;
  }

  /** Smoothed messages per second as of `now`. */
  perSecond(now: number): number {
    const elapsed = now - this.windowStart;
    if (elapsed < WINDOW_MS) return this.rate;
    const windowRate = (this.count * 1000) / elapsed;
    // Read late (no pump for several windows): the gap's own average replaces the rate.
    this.rate = elapsed >= 2 * WINDOW_MS ? windowRate : this.rate / 2 + windowRate / 2;
    this.count = 0;
    this.windowStart = now;
    return this.rate;
  }
}
