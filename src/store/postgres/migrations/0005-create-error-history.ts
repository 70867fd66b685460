import type { PostgresMigration } from './types';

/**
 * "QueueMessageErrors": one row per failed attempt (its number, time, error text and code), so
 * ErrorMessage (the last error only) no longer loses earlier attempts' errors.
 * - "Id" identity primary key: attempt numbers repeat after a requeue (attempts reset to 0).
 * - FOREIGN KEY ... ON DELETE CASCADE: whatever deletes a message (retention, deleteOnCompletion,
 *   an operator) deletes its history with it, in the same statement. The cascade finds the rows
 *   through "IX_QueueMessageErrors_Message", which the history reads by too (tqw show).
 * Additive: producers and older workers never touch it.
 */
export const createErrorHistory: PostgresMigration = {
  id: '0005-create-error-history',
  statements: (table, qualify) => [
    `CREATE TABLE IF NOT EXISTS ${qualify('QueueMessageErrors')} (
  "Id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "MessageId" uuid NOT NULL REFERENCES ${table} ("Id") ON DELETE CASCADE,
  "Attempt" integer NOT NULL,
  "FailedAt" timestamptz NOT NULL DEFAULT now(),
  "ErrorMessage" text NOT NULL,
  "ErrorCode" varchar(100) NULL
)`,
    `CREATE INDEX IF NOT EXISTS "IX_QueueMessageErrors_Message" ON ${qualify('QueueMessageErrors')} ("MessageId", "Id")`,
  ],
};
