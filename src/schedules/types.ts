/**
 * Recurring jobs (config key `schedules`): each schedule enqueues one message of `type` per
 * occurrence of its cron expression, for every matching tenant, exactly once however many
 * replicas run (see src/daemon/schedule-runner.ts and the store's enqueueOccurrence).
 */

/** What to do with occurrences missed while no replica ran: enqueue the most recent one once, or none. */
export type CatchUp = 'latest' | 'none';
export const CATCH_UP_VALUES: readonly CatchUp[] = ['latest', 'none'];

/** One validated entry of `schedules`, defaults applied. */
export interface ScheduleConfig {
  /** Unique among the schedules; part of every occurrence's message id and the state row's key. */
  name: string;
  /** 5 fields (minute precision) or 6 (seconds first), parsed by croner. */
  cron: string;
  /** IANA time zone the cron fields are read in. */
  timezone: string;
  /** MessageType of the enqueued messages. */
  type: string;
  /** Payload of every enqueued message (JSON). */
  payload: unknown;
  /** '*' = every tenant of the current tenant map, else these tenant ids. */
  tenants: '*' | readonly string[];
  catchUp: CatchUp;
}

/** The defaults of the optional fields of a schedule (README "Recurring jobs"). */
export const SCHEDULE_DEFAULTS = Object.freeze({
  timezone: 'UTC',
  payload: {},
  tenants: '*' as const,
  catchUp: 'latest' as CatchUp,
});

/** QueueSchedules.Name is NVARCHAR(200) / varchar(200). */
export const MAX_SCHEDULE_NAME_LENGTH = 200;
/** QueueMessages.MessageType is NVARCHAR(255). */
export { MAX_MESSAGE_TYPE_LENGTH as MAX_SCHEDULE_TYPE_LENGTH } from '../store/types';
