import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * [QueuePauses]: the tenant's pause switches (tqw pause / tqw resume), one row per paused message
 * type, MessageType = N'' for the whole tenant (producers never write an empty type). It lives in
 * the tenant's own database, so every replica's claim reads it (the claim and the readiness probe
 * leave paused work alone): pausing needs no message to any worker. A handful of rows at most, so
 * the primary key is its only index. Guarded by OBJECT_ID. Additive: producers and older workers
 * never touch it.
 */
export const createPauses: SqlServerMigration = {
  id: '0006-create-pauses',
  statements: (_table, qualify) => {
    const pauses = qualify('QueuePauses');
    return [
      `IF OBJECT_ID(${quoteLiteral(pauses)}, N'U') IS NULL
CREATE TABLE ${pauses} (
  MessageType NVARCHAR(255) NOT NULL CONSTRAINT [PK_QueuePauses] PRIMARY KEY,
  PausedAt DATETIMEOFFSET(3) NOT NULL CONSTRAINT [DF_QueuePauses_PausedAt] DEFAULT (CAST(SYSUTCDATETIME() AS DATETIMEOFFSET(3)))
);`,
    ];
  },
};
