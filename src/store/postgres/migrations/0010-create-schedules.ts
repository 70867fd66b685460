import type { PostgresMigration } from './types';

/**
 * "QueueSchedules": per schedule, the last occurrence some replica handled (enqueued or skipped),
 * so replicas agree without a leader (enqueue-occurrence.ts moves it forward with a row lock), a
 * restart catches up only the latest missed occurrence, and a new schedule does not backfill.
 * A few rows per tenant; producers and older workers never touch it.
 */
export const createSchedules: PostgresMigration = {
  id: '0010-create-schedules',
  statements: (_table, qualify) => [
    `CREATE TABLE IF NOT EXISTS ${qualify('QueueSchedules')} (
  "Name" varchar(200) PRIMARY KEY,
  "LastOccurrence" timestamptz NOT NULL,
  "UpdatedAt" timestamptz NOT NULL DEFAULT now()
)`,
  ],
};
