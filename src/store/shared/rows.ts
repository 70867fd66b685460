import type { ClaimedMessage, StatusCounts } from '../types';

/**
 * Row handling both stores share. Claim statements return their rows in no particular order
 * (RETURNING / OUTPUT); the stores hand them to the worker highest priority first, then oldest
 * ScheduledTime first (the claim's own order).
 */
export function byPriorityThenScheduledTime(a: ClaimedMessage, b: ClaimedMessage): number {
  return b.priority - a.priority || a.scheduledTime.getTime() - b.scheduledTime.getTime();
}

/**
 * The four non-terminal counts of a depth or stats row; `read` returns a column by name (a bigint
 * string on PostgreSQL, an INT on SQL Server: both become numbers).
 */
export function toStatusCounts(read: (name: string) => unknown): Omit<StatusCounts, 'Completed'> {
  return {
    Pending: Number(read('Pending')),
    Processing: Number(read('Processing')),
    Failed: Number(read('Failed')),
    DeadLetter: Number(read('DeadLetter')),
  };
}
