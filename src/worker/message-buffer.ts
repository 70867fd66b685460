import type { ClaimedMessage } from '../store/types';

/**
 * A tenant's prefetched messages (claimed, not started), oldest first, with the time each was
 * claimed (its lease runs from then). A queue over two arrays with a moving head: no wrapper object
 * per message and no O(n) Array.shift.
 */
export class MessageBuffer {
  private rows: ClaimedMessage[] = [];
  private claimedAt: number[] = [];
  private head = 0;

  get length(): number {
    return this.rows.length - this.head;
  }

  push(rows: readonly ClaimedMessage[], claimedAt: number): void {
    for (const row of rows) {
      this.rows.push(row);
      this.claimedAt.push(claimedAt);
    }
  }

  /** When the oldest message was claimed (Infinity when empty). */
  headClaimedAt(): number {
    return this.head < this.rows.length ? (this.claimedAt[this.head] as number) : Infinity;
  }

  shift(): ClaimedMessage | undefined {
    if (this.head >= this.rows.length) return undefined;
    const row = this.rows[this.head] as ClaimedMessage;
    this.head += 1;
    if (this.head === this.rows.length) {
      this.rows = [];
      this.claimedAt = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.claimedAt = this.claimedAt.slice(this.head);
      this.head = 0;
    }
    return row;
  }

  /** Removes and returns every message. */
  drain(): ClaimedMessage[] {
    const rows = this.rows.slice(this.head);
    this.rows = [];
    this.claimedAt = [];
    this.head = 0;
    return rows;
  }
}
