import { claimSql } from './sql/claim';
import { completeSql } from './sql/complete';
import { completeManySql } from './sql/complete-many';
import { completingUpdateSql } from './sql/completing-update';
import { deadLetterSql } from './sql/dead-letter';
import { depthSql } from './sql/depth';
import { enqueueSql } from './sql/enqueue';
import { extendLeaseSql } from './sql/extend-lease';
import { getMessageSql } from './sql/get-message';
import { listDeadLettersSql } from './sql/list-dead-letters';
import { listIndexesSql } from './sql/list-indexes';
import { pingSql } from './sql/ping';
import { purgeSql } from './sql/purge';
import { releaseSql } from './sql/release';
import { requeueDeadLettersSql } from './sql/requeue-dead-letters';
import { retrySql } from './sql/retry';
import { statsSql } from './sql/stats';

/** Every statement of the store for one table, built once per store (the table name never changes). */
export function postgresStatements(table: string) {
  return {
    claim: claimSql(table),
    complete: completeSql(table),
    completeMany: completeManySql(table),
    completingUpdate: completingUpdateSql(table),
    retry: retrySql(table),
    deadLetter: deadLetterSql(table),
    release: releaseSql(table),
    extendLease: extendLeaseSql(table),
    enqueue: enqueueSql(table),
    getMessage: getMessageSql(table),
    stats: statsSql(table),
    depth: depthSql(table),
    listDeadLetters: listDeadLettersSql(table),
    requeueDeadLetters: requeueDeadLettersSql(table),
    purge: purgeSql(table),
    ping: pingSql(table),
    listIndexes: listIndexesSql(table),
  } as const;
}
