/** The indexes `tqw migrate` creates (migrations/0002, 0006); `tqw check` reports any that are missing. */
export const EXPECTED_INDEXES: readonly string[] = [
  'IX_QueueMessages_Due',
  'IX_QueueMessages_Lease',
  'IX_QueueMessages_DeadLetter',
  'IX_QueueMessages_Retention',
  'IX_QueueMessages_DuePriority',
];
