import { HandlerTimeoutError, ShutdownAbortError } from '../errors';
import type { AttemptControl } from './attempt-control';
import { IntrusiveList } from './intrusive-list';

/**
 * Every running handler attempt of a worker, for the two ways an attempt is cut short: its
 * timeout, and its tenant's shutdown deadline. One timer serves all timeouts, instead of a Node
 * timer per attempt, and one abort listener per tenant serves all of its attempts, instead of a
 * callback per attempt: at tens of thousands of messages per second those per-attempt objects were
 * a sizeable part of the worker's garbage.
 *
 * Attempts are kept in one list per timeout length, in start order, so within a list deadlines never
 * decrease (they come from the monotonic clock) and the head of each list is its next timeout. The
 * timer is armed for the earliest head; when it fires, expired heads are aborted and it is armed for
 * the new earliest head. An attempt that finishes leaves its list and the timer stays as it is (it
 * fires once for nothing at worst); while no attempt is left it does not keep the process alive.
 */
/** A running handler attempt, as the last log line of a dying process names it. */
export interface RunningMessage {
  tenant: string;
  messageId: string;
  type: string;
  attempt: number;
  runningMs: number;
}

export class RunningAttempts {
  private readonly lists = new Map<number, IntrusiveList<AttemptControl>>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  /** Attempts registered and not finished. */
  get size(): number {
    return this.count;
  }

  /** Registers a starting attempt: aborted at its deadline, or at once if its tenant's shutdown signal already fired. */
  add(control: AttemptControl): void {
    if (control.shutdownSignal.aborted) {
      control.abort(new ShutdownAbortError());
      return;
    }
    let list = this.lists.get(control.timeoutMs);
    if (!list) {
      list = new IntrusiveList<AttemptControl>();
      this.lists.set(control.timeoutMs, list);
    }
    list.add(control);
    this.count += 1;
    if (control.deadline < this.timerAt) this.arm(control.deadline);
    else if (this.count === 1) this.timer?.ref();
  }

  /** Unregisters a finished attempt (no effect if it was never registered or already left). */
  remove(control: AttemptControl): void {
    if (!control.listed) return;
    this.lists.get(control.timeoutMs)?.remove(control);
    this.count -= 1;
    // No attempt left: the armed timer may stay (it fires once for nothing, or serves the next
    // attempt), but it must not keep the process alive. Re-arming per burst cost a timer object
    // every few messages.
    if (this.count === 0) this.timer?.unref();
  }

  /** Every running attempt, oldest first within each timeout length. */
  describe(): RunningMessage[] {
    const now = performance.now();
    const out: RunningMessage[] = [];
    for (const list of this.lists.values()) {
      list.forEach((control) => {
        const claim = control.claim;
        out.push({
          tenant: control.tenantId,
          messageId: claim?.id ?? '',
          type: claim?.messageType ?? '',
          attempt: claim?.processingAttempts ?? 0,
          runningMs: Math.round(now - (control.deadline - control.timeoutMs)),
        });
      });
    }
    return out;
  }

  /** Aborts every attempt whose tenant `signal` is (the tenant's shutdown deadline passed). */
  abortTenant(signal: AbortSignal): void {
    for (const list of this.lists.values()) {
      list.forEach((control) => {
        if (control.shutdownSignal !== signal) return;
        this.remove(control);
        control.abort(new ShutdownAbortError());
      });
    }
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.max(0, at - performance.now()));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const list of this.lists.values()) {
      let head = list.first();
      while (head && head.deadline <= now) {
        this.remove(head);
        head.abort(new HandlerTimeoutError(head.timeoutMs));
        head = list.first();
      }
      if (head) next = Math.min(next, head.deadline);
    }
    if (next < Infinity) this.arm(next);
  };
}
