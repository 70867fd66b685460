import type { ClaimFence, QueueStore } from '../store/types';

/** Most fences one completeMany statement carries. */
export const MAX_COMPLETION_BATCH = 1_000;

/**
 * completeMany statements of one store in flight at once. Two: while one is being written the
 * next batch goes out on another connection instead of waiting for it (the server runs them on
 * two cores, and one round trip no longer bounds a busy tenant's completion rate); more would
 * mostly make the batches smaller.
 */
export const MAX_CONCURRENT_FLUSHES = 2;

interface Pending {
  fence: ClaimFence;
  resolve: (matched: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Batched completions of one store's non-transactional messages: complete() queues the fence, and
 * ONE completeMany statement per flush marks every queued fence Completed. A flush starts on the
 * next turn of the event loop (setImmediate), so every handler that finished in this turn joins
 * it; completions queued while MAX_CONCURRENT_FLUSHES flushes run go into the next one. Each
 * fence is still checked on its own (a fence that no longer matches resolves false: lease lost).
 *
 * A flush that fails (database error) rejects every complete() in it and changes nothing: those
 * rows stay Processing with their fences, and each message's attempt writes its completion again
 * (outcome-retry.ts) until it is written or the fence is gone.
 */
export class CompletionBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushes = 0;
  /** Completions in the flushes being written. */
  private inFlight = 0;

  constructor(
    private readonly store: Pick<QueueStore, 'completeMany'>,
    private readonly maxBatch: number = MAX_COMPLETION_BATCH,
    private readonly maxFlushes: number = MAX_CONCURRENT_FLUSHES,
  ) {}

  /** Number of completions queued or being written. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves true when the fence matched and the row is Completed, false when the lease was lost; rejects when the write failed. */
  complete(fence: ClaimFence): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ fence, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushes >= this.maxFlushes) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length === 0) return;
      this.flushes += 1;
      void this.flush().finally(() => {
        this.flushes -= 1;
        if (this.queue.length > 0) this.schedule();
      });
      // Another flush may start on the next turn with what arrives meanwhile.
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight += batch.length;
    try {
      const ids = await this.store.completeMany(batch.map((p) => p.fence));
      if (ids.length === batch.length) {
        // Every fence matched (the usual case): a row is completed once per statement, so as many
        // ids as fences means none was left out. No per-id lookup needed.
        for (const p of batch) p.resolve(true);
      } else {
        const matched = new Set(ids.map((id) => id.toLowerCase()));
        for (const p of batch) p.resolve(matched.has(p.fence.id.toLowerCase()));
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.inFlight -= batch.length;
    }
  }
}
