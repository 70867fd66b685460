import { HandlerTimeoutError, ShutdownAbortError } from '../errors';

/** Registers a callback for the tenant's shutdown deadline; returns its unregister function. */
export type ShutdownHook = (onShutdown: () => void) => () => void;

/** A ShutdownHook on an AbortSignal (one listener per attempt; the worker passes a cheaper hook). */
export function shutdownHookOf(signal: AbortSignal): ShutdownHook {
  return (onShutdown) => {
    if (signal.aborted) {
      onShutdown();
      return () => undefined;
    }
    signal.addEventListener('abort', onShutdown, { once: true });
    return () => signal.removeEventListener('abort', onShutdown);
  };
}

/**
 * The time limit and cancellation of one handler attempt: its timeout, the shutdown deadline, and
 * the AbortSignal the handler sees as ctx.signal.
 *
 * The AbortController is created only when the handler reads ctx.signal (most never do; an
 * AbortSignal is an EventTarget, costly to create per message at tens of thousands per second).
 * run() settles as soon as the attempt is aborted (timeout or shutdown), rejecting with the
 * reason, whether or not the handler honours the signal; a handler that ignores it keeps running
 * detached, and its eventual rejection is swallowed here so it cannot crash the process.
 */
export class AttemptControl {
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;
  private rejectRun: ((reason: unknown) => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly unregister: () => void;

  constructor(timeoutMs: number, onShutdown: ShutdownHook) {
    this.timer = setTimeout(() => this.abort(new HandlerTimeoutError(timeoutMs)), timeoutMs);
    this.unregister = onShutdown(() => this.abort(new ShutdownAbortError()));
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

  /** Stops the timer and the shutdown registration (call when the attempt is over). */
  dispose(): void {
    clearTimeout(this.timer);
    this.unregister();
  }
}
