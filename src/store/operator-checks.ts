/** Argument checks of the operator statements that both stores share (listMessages, requeueMessage, deleteMessage). */
import { UUID_TEXT } from './message-id';
import { MAX_LIST_LIMIT, OPERATOR_STATUSES, type OperatorStatus } from './types';

/** listMessages(): a page of 1..MAX_LIST_LIMIT rows. */
export function assertPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new RangeError(`list limit must be an integer between 1 and ${MAX_LIST_LIMIT}, got ${limit}`);
  }
}

/**
 * The statuses as given, checked to be operator statuses: Processing (a worker holds the message)
 * and Completed can never be passed through, whatever a caller's types say. Throws on none.
 */
export function operatorStatuses(statuses: readonly OperatorStatus[]): OperatorStatus[] {
  if (statuses.length === 0) throw new RangeError('at least one status is needed');
  for (const s of statuses) {
    if (!OPERATOR_STATUSES.includes(s)) throw new RangeError(`status ${String(s)} cannot be requeued or deleted by an operator`);
  }
  return [...statuses];
}

/** The uuid a listMessages search matches Id and CorrelationId with (lower-cased), or null when it is not one. */
export function searchedUuid(search: string | undefined): string | null {
  return search !== undefined && UUID_TEXT.test(search) ? search.toLowerCase() : null;
}
