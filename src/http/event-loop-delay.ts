/**
 * Event-loop delay for /livez, from `perf_hooks.monitorEventLoopDelay` (a libuv timer sampled every
 * `resolutionMs`; each sample is how long the timer took, so the delay is the sample minus the resolution).
 *
 * Samples are kept per window (`windowMs`): /livez looks at the current window and the previous complete
 * one, so a stall an hour ago no longer counts, and a fresh window with few samples is backed by the last one.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopDelayOptions {
  /** Sampling period of the monitor. Default 10 ms (Node's default). */
  resolutionMs?: number;
  /** Length of one window. Default 10000 ms (the default Kubernetes probe period). */
  windowMs?: number;
}

export interface EventLoopDelay {
  /** 99th percentile delay in ms over the current and the previous window. */
  p99Ms: number;
  /** Largest delay in ms over the current and the previous window. */
  maxMs: number;
}

export class EventLoopDelayMonitor {
  private readonly resolutionMs: number;
  private readonly windowMs: number;
  private readonly histogram: IntervalHistogram;
  private previous: EventLoopDelay = { p99Ms: 0, maxMs: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(options: EventLoopDelayOptions = {}) {
    this.resolutionMs = options.resolutionMs ?? 10;
    this.windowMs = options.windowMs ?? 10_000;
    this.histogram = monitorEventLoopDelay({ resolution: this.resolutionMs });
  }

  start(): void {
    if (this.timer) return;
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.previous = this.current();
      this.histogram.reset();
    }, this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.histogram.disable();
  }

  read(): EventLoopDelay {
    const current = this.current();
    return {
      p99Ms: Math.max(current.p99Ms, this.previous.p99Ms),
      maxMs: Math.max(current.maxMs, this.previous.maxMs),
    };
  }

  private current(): EventLoopDelay {
    if (this.histogram.count === 0) return { p99Ms: 0, maxMs: 0 };
    const delay = (ns: number) => Math.max(0, ns / 1e6 - this.resolutionMs);
    return { p99Ms: delay(this.histogram.percentile(99)), maxMs: delay(this.histogram.max) };
  }
}
