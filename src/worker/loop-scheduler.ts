/**
 * Longest run of the worker's loop (dispatching messages whose handlers finish at once) before it
 * lets the event loop read its sockets (see LoopScheduler.sliceExpired): without a break, handlers
 * that finish at once keep the loop in microtasks while the next claim's rows wait unread. The
 * break costs at most one setImmediate per millisecond of loop work.
 * Figures: docs/performance.md, "The loop's 1 ms slices".
 */
export const DISPATCH_SLICE_MS = 1;

/**
 * When the worker's loop runs: now, at the end of this turn of the event loop (many handlers
 * finishing together cost one pass), or at a time (the next poll or wake-up). The loop itself
 * (`run`) is the worker's; this decides only when it is called, and breaks runs of loop work that
 * never wait for I/O into slices.
 */
export class LoopScheduler {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private queued = false;
  /** When the current slice of loop work began (see sliceExpired). */
  private sliceStartedAt: number | undefined;

  /** `run`: one pass of the loop; it must not throw. */
  constructor(private readonly run: () => void) {}

  /** Runs the loop once at the end of this turn (or, once this slice expired, after the I/O callbacks). */
  soon(): void {
    if (this.queued) return;
    this.queued = true;
    if (this.sliceExpired()) {
      setImmediate(this.runQueued);
      return;
    }
    queueMicrotask(this.runQueued);
  }

  /** Runs the loop at `at` (ms since the epoch, `now` being the current time) unless it is to run earlier already. */
  at(at: number, now: number): void {
    if (at === Infinity) return;
    if (this.timer && this.timerAt <= at) return;
    this.cancel();
    this.timerAt = at;
    this.timer = setTimeout(this.runTimed, Math.max(0, at - now));
  }

  /** Drops the timed run, if any. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /**
   * Nothing is left to run: the slice ends here, not when a setImmediate queued during it runs (that
   * can be after the event loop waited idle for the next message, which would then start its first
   * slice already expired).
   */
  idle(): void {
    this.sliceStartedAt = undefined;
  }

  private readonly runQueued = (): void => {
    this.queued = false;
    this.run();
  };

  private readonly runTimed = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.run();
  };

  /**
   * True once this turn of the event loop has run the loop for DISPATCH_SLICE_MS. Handlers that
   * finish at once (no I/O of their own) chain the loop through microtasks: without a break the
   * worker runs its whole local queue in one turn, and meanwhile nobody reads the sockets, so a
   * claim's rows (and completions' answers) wait in the kernel and PostgreSQL stalls sending them.
   * After a slice the next run goes through setImmediate, after the I/O callbacks.
   */
  private sliceExpired(): boolean {
    const now = performance.now();
    if (this.sliceStartedAt === undefined) {
      this.sliceStartedAt = now;
      setImmediate(this.endSlice);
      return false;
    }
    return now - this.sliceStartedAt >= DISPATCH_SLICE_MS;
  }

  private readonly endSlice = (): void => {
    this.sliceStartedAt = undefined;
  };
}
