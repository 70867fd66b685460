import { createQueueMessages } from './0001-create-queue-messages';
import { createQueueIndexes } from './0002-create-queue-indexes';
import { createErrorHistory } from './0003-create-error-history';
import { addPriority } from './0004-add-priority';
import { addDedupeKey } from './0005-add-dedupe-key';
import { createPauses } from './0006-create-pauses';
import { addSnoozeCount } from './0007-add-snooze-count';
import { createSchedules } from './0008-create-schedules';
import { createLimits } from './0009-create-limits';
import type { SqlServerMigration } from './types';

export type { SqlServerMigration } from './types';
export { CLAIM_INDEX } from './0002-create-queue-indexes';

/** Every migration, in the order they apply. Append new ones at the end; never reorder or edit. */
export const SQLSERVER_MIGRATIONS: readonly SqlServerMigration[] = [
  createQueueMessages,
  createQueueIndexes,
  createErrorHistory,
  addPriority,
  addDedupeKey,
  createPauses,
  addSnoozeCount,
  createSchedules,
  createLimits,
];
