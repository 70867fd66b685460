import mssql from 'mssql';
import { mapChunks } from '../chunks';
import type { StatusCounts, StoreGroup } from '../types';
import { splitDelay } from './params';
import { column, numberColumn, type MssqlRow } from './row-mapper';
import { depthManySql } from './sql/group/depth-many';
import { hasPurgeableSql } from './sql/group/has-purgeable';
import { SQLSERVER_TABLES_PER_STATEMENT, nextDueSql } from './sql/group/next-due';
import { pauseStatesSql } from './sql/group/pause-states';
import { toPauseState } from '../shared/pause-switch';

type Depth = Omit<StatusCounts, 'Completed'>;

/**
 * The group statements of SQL Server stores. `key` is the server and login (not the database):
 * three-part names let one statement cover every tenant database on the server the login can read,
 * so a thousand database-per-tenant tenants cost one probe statement per interval. `table` is the
 * store's three-part name (two-part, grouped per database, when its connection string names no
 * database). Statements run on the pool of whichever member the caller picked.
 */
export function createSqlServerGroup(key: string, table: string, request: () => Promise<mssql.Request>): StoreGroup {
  const chunked = <R>(tables: readonly string[], run: (chunk: string[]) => Promise<R[]>) =>
    mapChunks(tables, SQLSERVER_TABLES_PER_STATEMENT, run);
  return {
    key,
    table,
    maxTablesPerStatement: SQLSERVER_TABLES_PER_STATEMENT,

    nextDue(tables, { leaseMs, types }) {
      if (!Number.isInteger(leaseMs) || leaseMs < 0) throw new RangeError(`leaseMs must be an integer >= 0, got ${leaseMs}`);
      return chunked(tables, async (chunk) => {
        const { recordset } = await (await request()).query<MssqlRow>(nextDueSql(chunk, types));
        const due: Array<number | null> = chunk.map(() => null);
        for (const row of recordset) {
          const index = numberColumn(row, 'Index');
          const now = (column(row, 'Now') as Date).getTime();
          const scheduled = column(row, 'Due') as Date | null;
          const held = column(row, 'Held') as Date | null;
          const at = Math.min(scheduled ? scheduled.getTime() : Infinity, held ? held.getTime() + leaseMs : Infinity);
          due[index] = at === Infinity ? null : at - now;
        }
        return due;
      });
    },

    depth(tables) {
      return chunked(tables, async (chunk) => {
        const { recordset } = await (await request()).query<MssqlRow>(depthManySql(chunk));
        const depths: Array<Depth | undefined> = chunk.map(() => undefined);
        for (const row of recordset) {
          depths[numberColumn(row, 'Index')] = {
            Pending: numberColumn(row, 'Pending'),
            Processing: numberColumn(row, 'Processing'),
            Failed: numberColumn(row, 'Failed'),
            DeadLetter: numberColumn(row, 'DeadLetter'),
          };
        }
        return depths.map((d, i) => {
          if (!d) throw new Error(`depth of ${chunk[i]} missing from the group result (store bug)`);
          return d;
        });
      });
    },

    pauseStates(tables) {
      return chunked(tables, async (chunk) => {
        const { recordset } = await (await request()).query<{ Index: number; MessageType: string }>(pauseStatesSql(chunk));
        const switches = chunk.map((): Array<{ MessageType: string }> => []);
        for (const row of recordset) switches[row.Index]?.push(row);
        return switches.map((rows) => toPauseState(rows));
      });
    },

    hasPurgeable(tables, status, olderThanMs) {
      const olderThan = splitDelay(olderThanMs, 'purge olderThanMs');
      return chunked(tables, async (chunk) => {
        const { recordset } = await (
          await request()
        )
          .input('status', mssql.NVarChar(50), status)
          .input('olderThanSeconds', mssql.Int, olderThan.seconds)
          .input('olderThanMillis', mssql.Int, olderThan.millis)
          .query<MssqlRow>(hasPurgeableSql(chunk));
        const found = chunk.map(() => false);
        for (const row of recordset) found[numberColumn(row, 'Index')] = true;
        return found;
      });
    },
  };
}
