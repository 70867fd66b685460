import type { ClaimFence, QueueStore } from '../store/types';

/**
 * Keeps the lease of a non-transactional handler's message alive: every `intervalMs`
 * (leaseMs / 3, so two beats can fail before the lease runs out) it moves DequeueTime to now.
 * Each beat changes the fence, so `stop()` waits for a beat in flight and returns the current
 * fence for the final write. If a beat finds the fence gone (the lease was lost), `onLost` runs.
 * A beat that fails for another reason (database blip) is retried at the next interval.
 */
export class LeaseHeartbeat {
  private fence: ClaimFence | null;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: QueueStore,
    initial: ClaimFence,
    intervalMs: number,
    private readonly onLost: () => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.fence = initial;
    this.timer = setInterval(() => this.beat(), Math.max(1, intervalMs));
    this.timer.unref();
  }

  private beat(): void {
    if (this.stopped || !this.fence) return;
    const current = this.fence;
    this.inFlight = this.inFlight.then(async () => {
      if (this.stopped) return;
      try {
        const next = await this.store.extendLease(current);
        this.fence = next;
        if (!next) {
          clearInterval(this.timer);
          this.onLost();
        }
      } catch (err) {
        this.onError(err);
      }
    });
  }

  /** Stops beating; resolves with the fence to use for the final write (null if the lease was lost). */
  async stop(): Promise<ClaimFence | null> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inFlight;
    return this.fence;
  }
}
