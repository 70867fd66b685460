import type pg from 'pg';
import { mapChunks } from '../chunks';
import type { StatusCounts, StoreGroup } from '../types';
import { preparedName } from './prepared';
import { DEPTH_TABLES_PER_STATEMENT, depthManySql } from './sql/group/depth-many';
import { PURGEABLE_TABLES_PER_STATEMENT, hasPurgeableSql } from './sql/group/has-purgeable';
import { NEXT_DUE_TABLES_PER_STATEMENT, nextDueSql } from './sql/group/next-due';
import { PAUSE_STATES_TABLES_PER_STATEMENT, pauseStatesSql } from './sql/group/pause-states';
import { toPauseState } from '../shared/pause-switch';

type Depth = Omit<StatusCounts, 'Completed'>;
type DepthRow = { Index: number; Pending: string; Processing: string; Failed: string; DeadLetter: string };

/** Statement names kept per store: enough for every chunk of a large group; a cache, so bounded. */
const MAX_REMEMBERED_NAMES = 256;

/**
 * The group statements of PostgreSQL stores: every schema of one database (`key`, the sharing key) can be
 * named in one statement. A statement cannot read another database, so with database-per-tenant
 * each tenant is a group of its own and costs one (cheap, prepared) statement per interval.
 * Statements run as named prepared statements (their text per chunk is stable; see prepared.ts).
 */
export function createPostgresGroup(key: string, table: string, pool: () => pg.Pool): StoreGroup {
  // A text runs unnamed the first time and prepared from its second run on: a chunk whose members
  // are still changing (tenants joining at start-up) leaves no prepared statement behind.
  const names = new Map<string, string | null>();
  const run = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= MAX_REMEMBERED_NAMES) names.clear();
      names.set(text, null);
    } else if (name === null) {
      name = preparedName(text);
      names.set(text, name);
    }
    return (await pool().query<R>(name ? { name, text } : { text })).rows;
  };

  return {
    key,
    table,
    maxTablesPerStatement: NEXT_DUE_TABLES_PER_STATEMENT,

    nextDue(tables, { leaseMs, types }) {
      return mapChunks(tables, NEXT_DUE_TABLES_PER_STATEMENT, async (chunk) => {
        const due: Array<number | null> = chunk.map(() => null);
        for (const row of await run<{ Index: number; DueInMs: number }>(nextDueSql(chunk, leaseMs, types))) due[row.Index] = row.DueInMs;
        return due;
      });
    },

    depth(tables) {
      return mapChunks(tables, DEPTH_TABLES_PER_STATEMENT, async (chunk) => {
        const depths: Array<Depth | undefined> = chunk.map(() => undefined);
        for (const row of await run<DepthRow>(depthManySql(chunk))) {
          // count(*) is bigint, which node-postgres returns as a string.
          depths[row.Index] = {
            Pending: Number(row.Pending),
            Processing: Number(row.Processing),
            Failed: Number(row.Failed),
            DeadLetter: Number(row.DeadLetter),
          };
        }
        return depths.map((d, i) => {
          if (!d) throw new Error(`depth of ${chunk[i]} missing from the group result (store bug)`);
          return d;
        });
      });
    },

    pauseStates(tables) {
      return mapChunks(tables, PAUSE_STATES_TABLES_PER_STATEMENT, async (chunk) => {
        const switches = chunk.map((): Array<{ MessageType: string }> => []);
        for (const row of await run<{ Index: number; MessageType: string }>(pauseStatesSql(chunk))) switches[row.Index]?.push(row);
        return switches.map((rows) => toPauseState(rows));
      });
    },

    hasPurgeable(tables, status, olderThanMs) {
      return mapChunks(tables, PURGEABLE_TABLES_PER_STATEMENT, async (chunk) => {
        const found = chunk.map(() => false);
        for (const row of await run<{ Index: number }>(hasPurgeableSql(chunk, status, olderThanMs))) found[row.Index] = true;
        return found;
      });
    },
  };
}
