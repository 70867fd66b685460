import type { ClaimFence, QueueStore } from '../store/types';
import { IntrusiveList, type ListLinks } from './intrusive-list';

/** One running non-transactional message whose lease is being kept. */
export class KeptLease implements ListLinks<KeptLease> {
  fence: ClaimFence | null;
  lastBeatAt: number;
  inFlight: Promise<void> | undefined;
  stopped = false;
  prev: KeptLease | undefined = undefined;
  next: KeptLease | undefined = undefined;
  listed = false;

  constructor(
    readonly store: QueueStore,
    fence: ClaimFence,
    readonly onLost: () => void,
    readonly onError: (err: unknown) => void,
    private readonly keeper: LeaseKeeper,
    now: number,
  ) {
    this.fence = fence;
    this.lastBeatAt = now;
  }

  /** Beats scheduled or being written (their result changes the fence). */
  beating = 0;

  /**
   * Stops beating and returns the fence for the final write, when no beat is in flight (the usual
   * case: the handler finished before its first beat); undefined otherwise: then await stop().
   */
  stopNow(): ClaimFence | null | undefined {
    if (this.beating > 0) return undefined;
    this.stopped = true;
    this.keeper.forget(this);
    return this.fence;
  }

  /** Stops beating; resolves with the fence to use for the final write (null if the lease was lost). */
  async stop(): Promise<ClaimFence | null> {
    this.stopped = true;
    this.keeper.forget(this);
    await this.inFlight;
    return this.fence;
  }
}

/**
 * Keeps the leases of running non-transactional messages alive: every lease is extended
 * (DequeueTime moved to now) once `intervalMs` (leaseMs / 3, so two beats can fail before the lease
 * runs out) has passed since its claim or last beat. ONE timer serves every running message
 * (checking four times per interval), instead of a timer per message: most handlers finish long
 * before their first beat, and then keeping their lease costs a link and an unlink (IntrusiveList).
 *
 * Each beat changes the fence, so stop() waits for a beat in flight and returns the current fence
 * for the final write. If a beat finds the fence gone (the lease was lost), `onLost` runs. A beat
 * that fails for another reason (database blip) is retried at the next check.
 */
export class LeaseKeeper {
  private readonly leases = new IntrusiveList<KeptLease>();
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(private readonly intervalMs: number) {
    this.tickMs = Math.max(1, Math.floor(intervalMs / 4));
  }

  keep(store: QueueStore, fence: ClaimFence, onLost: () => void, onError: (err: unknown) => void): KeptLease {
    const lease = new KeptLease(store, fence, onLost, onError, this, Date.now());
    this.leases.add(lease);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return lease;
  }

  forget(lease: KeptLease): void {
    this.leases.remove(lease);
    if (this.leases.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = Date.now();
    // Beat when at least 3/4 of the interval has passed: checks every 1/4 interval, so beats come
    // between 3/4 and 1 interval apart, never later.
    const due = now - (this.intervalMs * 3) / 4;
    this.leases.forEach((lease) => {
      if (lease.lastBeatAt <= due) this.beat(lease, now);
    });
  }

  private beat(lease: KeptLease, now: number): void {
    const current = lease.fence;
    if (lease.stopped || !current) return;
    lease.lastBeatAt = now;
    lease.beating += 1;
    lease.inFlight = (lease.inFlight ?? Promise.resolve())
      .then(async () => {
        if (lease.stopped) return;
        try {
          const next = await lease.store.extendLease(current);
          lease.fence = next;
          if (!next) {
            this.forget(lease);
            lease.onLost();
          }
        } catch (err) {
          lease.lastBeatAt = 0; // retry at the next check
          lease.onError(err);
        }
      })
      .finally(() => {
        lease.beating -= 1;
      });
  }
}
