import type { ClaimedMessage } from '../store/types';
import type { ListLinks } from './intrusive-list';
import type { RunningAttempts } from './running-attempts';

/**
 * The time limit and cancellation of one handler attempt: its timeout, the shutdown deadline of
 * its tenant, and the AbortSignal the handler sees as ctx.signal. The deadline and the shutdown
 * signal are watched by the worker's RunningAttempts (one timer and one listener per tenant for
 * all attempts), which calls abort().
 *
 * The AbortController is created only when the handler reads ctx.signal (most never do; an
 * AbortSignal is an EventTarget, costly to create per message at tens of thousands per second).
 * run() settles as soon as the attempt is aborted (timeout or shutdown), rejecting with the
 * reason, whether or not the handler honours the signal; a handler that ignores it keeps running
 * detached, and its eventual rejection is swallowed here so it cannot crash the process.
 */
export class AttemptControl implements ListLinks<AttemptControl> {
  /** performance.now() after which the attempt times out. */
  readonly deadline: number;
  prev: AttemptControl | undefined = undefined;
  next: AttemptControl | undefined = undefined;
  listed = false;
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;
  private rejectRun: ((reason: unknown) => void) | undefined;

  /** Starts the clock: registers with `running` (which aborts it at once if `shutdownSignal` already fired). */
  constructor(
    readonly timeoutMs: number,
    readonly shutdownSignal: AbortSignal,
    private readonly running: RunningAttempts,
    /** Whose attempt this is (named in the last log line of a dying process). */
    readonly tenantId = '',
    readonly claim?: ClaimedMessage,
  ) {
    this.deadline = performance.now() + timeoutMs;
    running.add(this);
  }

  /** ctx.signal: fires on timeout or at the shutdown deadline. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.rejectRun?.(reason);
  }

  /** Runs `work`, settling with it or, first, with the abort reason. */
  run<T>(work: () => Promise<T> | T): Promise<T> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      this.rejectRun = reject;
      let running: Promise<T>;
      try {
        running = Promise.resolve(work());
      } catch (err) {
        running = Promise.reject(err);
      }
      // After an abort these are no-ops, and the late rejection counts as handled.
      running.then(resolve, reject);
    });
  }

  /** Stops watching the deadline and the shutdown signal (call when the attempt is over). */
  dispose(): void {
    this.running.remove(this);
  }
}
