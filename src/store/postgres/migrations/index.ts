import { createQueueMessages } from './0001-create-queue-messages';
import { createQueueIndexes } from './0002-create-queue-indexes';
import { notifyOnInsert } from './0003-notify-on-insert';
import { timeOrderedIdDefault } from './0004-time-ordered-id-default';
import { createErrorHistory } from './0005-create-error-history';
import { addPriority } from './0006-add-priority';
import { addDedupeKey } from './0007-add-dedupe-key';
import { createPauses } from './0008-create-pauses';
import { addSnoozeCount } from './0009-add-snooze-count';
import { createSchedules } from './0010-create-schedules';
import { createLimits } from './0011-create-limits';
import type { PostgresMigration } from './types';

export type { PostgresMigration } from './types';

/** Every migration, in the order they apply. Append new ones at the end; never reorder or edit. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  createQueueMessages,
  createQueueIndexes,
  notifyOnInsert,
  timeOrderedIdDefault,
  createErrorHistory,
  addPriority,
  addDedupeKey,
  createPauses,
  addSnoozeCount,
  createSchedules,
  createLimits,
];
