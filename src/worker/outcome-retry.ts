import { isConnectivityError } from '../store/connectivity-error';

/** First wait before writing a failed outcome again when the database answered with an error; doubles per try. */
const RETRY_BASE_MS = 100;
/** Cap of that wait. */
const RETRY_MAX_MS = 2_000;
/**
 * While the database is unreachable, outcomes wait for a sign of life (OutcomeRetry.reachable(),
 * from the recovery watch, a claim or a probe); this is the backstop if none comes.
 */
const UNREACHABLE_BACKSTOP_MS = 5_000;

/** What OutcomeRetry.write tells its caller about a failing write (to log it). */
export interface OutcomeWriteReport {
  /** The first write failed; it will be written again. */
  failed(err: unknown): void;
  /** Written after `tries` failed writes. */
  recovered(tries: number): void;
  /** The worker gave up (shutting down); the message waits for its lease. */
  gaveUp(err: unknown): void;
}

/**
 * Retries of the outcome writes of one tenant (completion, retry, dead-letter, release) that failed.
 * The worker never forgets a message it holds: its attempt keeps the message and its fence and
 * writes the outcome again, and the fence tells whether the message is still ours.
 * - An error the database answered with: again after 100 ms, doubling up to 2 s.
 * - The database unreachable: again when it answers again (reachable(), called when any statement
 *   of the tenant succeeds or the recovery watch's ping does), so a restart settles every held
 *   message within about a ping interval of the server's return, without a timer per message
 *   hammering a server that is down.
 * - Once giveUp() was called (the worker's last grace period at shutdown is over), wait() answers
 *   false: the message stays Processing and is reclaimed when its lease expires.
 */
export class OutcomeRetry {
  private wake: (() => void) | undefined;
  private woken: Promise<void> | undefined;
  private waiting = 0;

  private gaveUp = false;

  constructor(
    /** A write failed because the database could not be reached (the worker watches for its return). */
    private readonly onUnreachable: () => void,
  ) {}

  /** The worker's last grace period at shutdown is over: every waiting write gives up, and so will later ones. */
  giveUp(): void {
    this.gaveUp = true;
    this.reachable();
  }

  /** Outcomes waiting to be written again. */
  get size(): number {
    return this.waiting;
  }

  /** The database answered: every waiting outcome is written again now. */
  reachable(): void {
    const wake = this.wake;
    this.wake = undefined;
    this.woken = undefined;
    wake?.();
  }

  /**
   * Runs `attempt` (an outcome write) until it succeeds: after a failure, waits (wait()) and runs it
   * again. Resolves with its result, or undefined when the worker gave up. `report` names what
   * happened, once per failure streak: the first failure, the success after failures, giving up.
   */
  async write<T>(attempt: () => Promise<T>, report: OutcomeWriteReport): Promise<T | undefined> {
    for (let tries = 0; ;) {
      try {
        const result = await attempt();
        if (tries > 0) report.recovered(tries);
        return result;
      } catch (err) {
        tries += 1;
        if (tries === 1) report.failed(err);
        if (!(await this.wait(tries, err))) {
          report.gaveUp(err);
          return undefined;
        }
      }
    }
  }

  /**
   * Waits before try `tries` (1 = the first retry) of a write that failed with `err`. Resolves
   * true to try again, false when the worker gave up (shutting down, grace period over).
   */
  async wait(tries: number, err: unknown): Promise<boolean> {
    if (this.gaveUp) return false;
    const unreachable = isConnectivityError(err);
    if (unreachable) this.onUnreachable();
    const delay = unreachable ? UNREACHABLE_BACKSTOP_MS : Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, tries - 1));
    this.woken ??= new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.waiting += 1;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, delay)))]);
    } finally {
      this.waiting -= 1;
      clearTimeout(timer);
    }
    return !this.gaveUp;
  }
}
