import type { OccurrenceOutcome } from './types';

/** What enqueueOccurrence did, from the three flags its statement returns (both dialects). */
export function occurrenceOutcome(seeded: boolean, advanced: boolean, inserted: boolean, enqueue: boolean): OccurrenceOutcome {
  if (seeded) return 'first-seen';
  if (!advanced) return 'already-handled';
  if (!enqueue) return 'skipped';
  return inserted ? 'enqueued' : 'already-enqueued';
}
