import { claimSql } from './sql/claim';
import { lockBucketsSql, runningByTypeSql, saveBucketsSql } from './sql/limits';
import { ERRORS_TABLE, LIMITS_TABLE, PAUSES_TABLE, SCHEDULES_TABLE, siblingTable } from './quote-table';
import { DEFAULT_STORE_OPTIONS, type StoreOptions } from '../types';
import { completeSql } from './sql/complete';
import { completeDeleteSql } from './sql/complete-delete';
import { completeManySql } from './sql/complete-many';
import { completeManyDeleteSql } from './sql/complete-many-delete';
import { completingDeleteSql } from './sql/completing-delete';
import { completingUpdateSql } from './sql/completing-update';
import { deadLetterSql } from './sql/dead-letter';
import { depthSql } from './sql/depth';
import { enqueueSql } from './sql/enqueue';
import { enqueueDedupedSql, findByDedupeKeySql } from './sql/enqueue-deduped';
import { enqueueIfAbsentSql } from './sql/enqueue-if-absent';
import { enqueueOccurrenceSql } from './sql/enqueue-occurrence';
import { extendLeaseSql } from './sql/extend-lease';
import { getMessageSql } from './sql/get-message';
import { listDeadLettersSql } from './sql/list-dead-letters';
import { deleteDeadLettersMatchingSql, requeueDeadLettersMatchingSql } from './sql/dead-letters-matching';
import { deleteMessageSql } from './sql/delete-message';
import { listMessagesSql } from './sql/list-messages';
import { requeueMessageSql } from './sql/requeue-message';
import { listIndexesSql } from './sql/list-indexes';
import { pingSql } from './sql/ping';
import { pauseSql, pauseStateSql, resumeSql } from './sql/pauses';
import { purgeSql } from './sql/purge';
import { releaseSql } from './sql/release';
import { requeueDeadLettersSql } from './sql/requeue-dead-letters';
import { retrySql } from './sql/retry';
import { snoozeSql } from './sql/snooze';
import { errorHistorySql } from './sql/error-history';
import { statsSql } from './sql/stats';
import { waitingByTypeSql } from './sql/waiting-by-type';

/**
 * Every statement of the store for one table, built once per store (the table name and the options
 * never change). With `deleteOnCompletion` the three completing statements are fenced DELETEs
 * (complete-delete.ts, complete-many-delete.ts, completing-delete.ts) instead of UPDATEs to
 * Completed; `completingUpdate` is then the opening DELETE of a completing transaction. With
 * `asyncCommit` the bookkeeping statements outside a handler's transaction (claim, complete,
 * completeMany, extendLease) commit asynchronously (sql/async-commit.ts); with `asyncClaims` (the
 * default) the claim does. `errors`, `pauses`, `limits` and `schedules` are the quoted error history,
 * pause, rate-limit and schedule-state tables beside `table`.
 */
export function postgresStatements(
  table: string,
  options: StoreOptions = DEFAULT_STORE_OPTIONS,
  errors = siblingTable(table, ERRORS_TABLE),
  pauses = siblingTable(table, PAUSES_TABLE),
  limits = siblingTable(table, LIMITS_TABLE),
  schedules = siblingTable(table, SCHEDULES_TABLE),
) {
  const del = options.deleteOnCompletion;
  const async = options.asyncCommit;
  return {
    claim: claimSql(table, pauses, async || options.asyncClaims),
    claimByType: claimSql(table, pauses, async || options.asyncClaims, true),
    pause: pauseSql(pauses),
    resume: resumeSql(pauses),
    pauseState: pauseStateSql(pauses),
    lockBuckets: lockBucketsSql(limits),
    runningByType: runningByTypeSql(table),
    saveBuckets: saveBucketsSql(limits),
    complete: del ? completeDeleteSql(table, async) : completeSql(table, async),
    completeMany: del ? completeManyDeleteSql(table, async) : completeManySql(table, async),
    completingUpdate: del ? completingDeleteSql(table) : completingUpdateSql(table),
    retry: retrySql(table, errors),
    deadLetter: deadLetterSql(table, errors),
    errorHistory: errorHistorySql(errors),
    release: releaseSql(table),
    snooze: snoozeSql(table),
    extendLease: extendLeaseSql(table, async),
    enqueue: enqueueSql(table),
    enqueueDeduped: enqueueDedupedSql(table),
    findByDedupeKey: findByDedupeKeySql(table),
    enqueueIfAbsent: enqueueIfAbsentSql(table),
    enqueueOccurrence: enqueueOccurrenceSql(table, schedules),
    getMessage: getMessageSql(table),
    stats: statsSql(table),
    waitingByType: waitingByTypeSql(table),
    depth: depthSql(table),
    listDeadLetters: listDeadLettersSql(table),
    requeueDeadLetters: requeueDeadLettersSql(table),
    listMessages: listMessagesSql(table),
    requeueMessage: requeueMessageSql(table),
    deleteMessage: deleteMessageSql(table),
    requeueDeadLettersMatching: requeueDeadLettersMatchingSql(table),
    deleteDeadLettersMatching: deleteDeadLettersMatchingSql(table),
    purge: purgeSql(table),
    ping: pingSql(table),
    listIndexes: listIndexesSql(table),
  } as const;
}
