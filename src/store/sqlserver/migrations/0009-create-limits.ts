import { quoteLiteral } from '../quote-table';
import type { SqlServerMigration } from './types';

/**
 * [QueueLimits]: the token buckets of the tenant's rate limits (the tenants file's `limits`), one row
 * per scope (Scope N'' = the whole tenant, else a message type): tokens left at UpdatedAt. Every
 * replica's limited claim rewrites these rows under the tenant's limit lock (sp_getapplock), so the
 * rate holds for all of them together. Guarded by OBJECT_ID. Additive: nothing else uses it.
 */
export const createLimits: SqlServerMigration = {
  id: '0009-create-limits',
  statements: (_table, qualify) => {
    const limits = qualify('QueueLimits');
    return [
      `IF OBJECT_ID(${quoteLiteral(limits)}, N'U') IS NULL
CREATE TABLE ${limits} (
  Scope NVARCHAR(255) NOT NULL CONSTRAINT [PK_QueueLimits] PRIMARY KEY,
  Tokens FLOAT NOT NULL,
  UpdatedAt DATETIMEOFFSET(3) NOT NULL
);`,
    ];
  },
};
