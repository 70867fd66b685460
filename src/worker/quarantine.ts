import type { ClaimedMessage } from '../store/types';
import type { WorkerTenant } from './worker-tenant';

/** A message taken over from an expired lease, waiting to run alone. */
export interface Suspect {
  tenant: WorkerTenant;
  row: ClaimedMessage;
  /** Date.now() when its claim came back (it must start within half its lease). */
  claimedAt: number;
}

/**
 * Messages taken over from an expired lease (ClaimedMessage.reclaimed): their previous claim never
 * recorded an outcome, perhaps because running them killed the process. Each runs alone: while one
 * waits or runs the worker is in quarantine (no claims, no other handler starts, prefetched messages
 * are given back), so if it kills the process again no innocent message is counted as an attempt
 * with it. The worker decides when the next one may start (nothing else running); this class keeps
 * the queue and whether one is running.
 */
export class Quarantine {
  private waiting: Suspect[] = [];
  private running = false;

  /** True while a suspect waits or runs. */
  get active(): boolean {
    return this.running || this.waiting.length > 0;
  }

  /** Suspects waiting to run. */
  get size(): number {
    return this.waiting.length;
  }

  /** True while a suspect's handler runs. */
  get isRunning(): boolean {
    return this.running;
  }

  admit(suspect: Suspect): void {
    this.waiting.push(suspect);
  }

  /** The next suspect, removed from the queue (undefined when none waits). */
  shift(): Suspect | undefined {
    return this.waiting.shift();
  }

  /** A suspect's handler started; the function returned ends quarantine for it (once; later calls do nothing). */
  started(): () => void {
    this.running = true;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.running = false;
    };
  }

  /** Removes and returns the waiting suspects of `tenant` (of every tenant when undefined). */
  take(tenant: WorkerTenant | undefined): Suspect[] {
    if (!tenant) {
      const all = this.waiting;
      this.waiting = [];
      return all;
    }
    const taken = this.waiting.filter((s) => s.tenant === tenant);
    if (taken.length > 0) this.waiting = this.waiting.filter((s) => s.tenant !== tenant);
    return taken;
  }
}
