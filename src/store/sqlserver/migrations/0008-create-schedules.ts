import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * [QueueSchedules]: per schedule, the last occurrence some replica handled (enqueued or skipped),
 * so replicas agree without a leader (enqueue-occurrence.ts moves it forward under the row's
 * update lock), a restart catches up only the latest missed occurrence, and a new schedule does not
 * backfill. Guarded by OBJECT_ID only (no index is looked up by name: Babelfish mangles them).
 * A few rows per tenant; producers and older workers never touch it.
 */
export const createSchedules: SqlServerMigration = {
  id: '0008-create-schedules',
  statements: (_table, qualify) => {
    const schedules = qualify('QueueSchedules');
    return [
      `IF OBJECT_ID(${quoteLiteral(schedules)}, N'U') IS NULL
  CREATE TABLE ${schedules} (
    Name NVARCHAR(200) NOT NULL CONSTRAINT [PK_QueueSchedules] PRIMARY KEY,
    LastOccurrence DATETIMEOFFSET(3) NOT NULL,
    UpdatedAt DATETIMEOFFSET(3) NOT NULL
  );`,
    ];
  },
};
