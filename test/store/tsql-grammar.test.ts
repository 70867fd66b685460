/**
 * Every T-SQL statement the SQL Server store can send, parsed by an independent grammar
 * (antlr4ts-sql's TSqlParser), so a syntax error cannot hide behind the missing server.
 * Negative controls prove the parser really rejects broken SQL (so the positive tests cannot pass
 * vacuously), and structural assertions pin the parts of the claim the guarantees rest on.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SQLSERVER_MIGRATIONS } from '../../src/store/sqlserver/migrations';
import {
  CREATE_SCHEMA_SQL,
  LOCK_MIGRATIONS_SQL,
  appliedMigrationsSql,
  createMigrationsTableSql,
  recordMigrationSql,
} from '../../src/store/sqlserver/migrations/bookkeeping-sql';
import { DUE, DUE_WORK, EXPIRED_LEASE, FENCE, notPaused } from '../../src/store/sqlserver/sql-fragments';
import {
  ERRORS_TABLE,
  LIMITS_TABLE,
  MIGRATIONS_TABLE,
  PAUSES_TABLE,
  SCHEDULES_TABLE,
  quoteTable,
  siblingTable,
} from '../../src/store/sqlserver/quote-table';
import { sqlServerStatements } from '../../src/store/sqlserver/statements';
import { DEFAULT_STORE_OPTIONS } from '../../src/store/types';
import { depthManySql } from '../../src/store/sqlserver/sql/group/depth-many';
import { hasPurgeableSql } from '../../src/store/sqlserver/sql/group/has-purgeable';
import { nextDueSql } from '../../src/store/sqlserver/sql/group/next-due';
import { pauseStatesSql } from '../../src/store/sqlserver/sql/group/pause-states';
import { parseTsql } from '../support/tsql-parser';

const SQL_DIR = join(__dirname, '../../src/store/sqlserver/sql');

/** Representative table names: default schema, dbo, a tenant schema, and one that needs escaping. */
const SCHEMAS: Array<string | undefined> = [undefined, 'dbo', 'tenant_acme', "we]ird 'schema'; DROP TABLE x; --"];
const TABLES = SCHEMAS.map((s) => quoteTable(s));

/** The error history table beside `table` (the store's second table). */
function errorsOf(table: string): string {
  return table.replace(/\[QueueMessages\]$/, `[${ERRORS_TABLE}]`);
}

/** The pause table beside `table` (read by the claim, written by pause and resume). */
function pausesOf(table: string): string {
  return siblingTable(table, PAUSES_TABLE);
}

/** The schedules' state table beside `table` (enqueue-occurrence.ts writes it). */
function schedulesOf(table: string): string {
  return siblingTable(table, SCHEDULES_TABLE);
}

/** The rate-limit buckets beside `table` (limited claims). */
function limitsOf(table: string): string {
  return siblingTable(table, LIMITS_TABLE);
}

/**
 * Every statement builder exported by a file of src/store/sqlserver/sql, by "file:export", called
 * with the queue table (and the error history table where the statement writes it, as the store does).
 */
function sqlBuilders(): Array<[string, (table: string) => string]> {
  const builders: Array<[string, (table: string) => string]> = [];
  for (const file of readdirSync(SQL_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    // require, not import: the file list is only known at run time.
    const mod = require(join(SQL_DIR, file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== 'function') throw new Error(`${file} exports '${name}', which is not a statement builder`);
      const build = value as (table: string, errors?: string) => string;
      const writesErrors = file === 'retry.ts' || file === 'dead-letter.ts';
      builders.push([
        `${file}:${name}`,
        file === 'error-history.ts'
          ? (table) => build(errorsOf(table))
          : file === 'enqueue-occurrence.ts'
            ? (table) => build(table, schedulesOf(table))
            : file === 'pauses.ts'
              ? (table) => build(pausesOf(table))
              : file === 'limits.ts' && name !== 'runningByTypeSql'
                ? (table) => build(limitsOf(table))
                : writesErrors || file === 'claim.ts'
                  ? (table) => build(table, file === 'claim.ts' ? pausesOf(table) : errorsOf(table))
                  : (table) => build(table),
      ]);
    }
  }
  return builders;
}

/** Every statement of the migration runner and of each migration, for one schema. */
function migrationStatements(schema: string | undefined): Array<[string, string]> {
  const table = quoteTable(schema);
  const migrations = quoteTable(schema, MIGRATIONS_TABLE);
  return [
    ['lock', LOCK_MIGRATIONS_SQL],
    ['create schema', CREATE_SCHEMA_SQL],
    ['create QueueMigrations', createMigrationsTableSql(migrations)],
    ['applied migrations', appliedMigrationsSql(migrations)],
    ['record migration', recordMigrationSql(migrations)],
    ...SQLSERVER_MIGRATIONS.flatMap((m) =>
      m.statements(table, (name) => quoteTable(schema, name)).map((sql, i): [string, string] => [`${m.id}[${i}]`, sql]),
    ),
  ];
}

describe('every statement the SQL Server store sends parses as T-SQL', () => {
  const builders = sqlBuilders();

  test('the sql folder holds the 40 statements of the store, and the store uses each of them (with and without deleteOnCompletion)', () => {
    expect(builders.map(([name]) => name.split(':')[0])).toEqual([
      'claim.ts',
      'claim.ts',
      'complete-delete.ts',
      'complete-many-delete.ts',
      'complete-many.ts',
      'complete.ts',
      'completing-delete.ts',
      'completing-update.ts',
      'dead-letter.ts',
      'dead-letters-matching.ts',
      'dead-letters-matching.ts',
      'delete-message.ts',
      'depth.ts',
      'enqueue-deduped.ts',
      'enqueue-if-absent.ts',
      'enqueue-occurrence.ts',
      'enqueue.ts',
      'error-history.ts',
      'extend-lease.ts',
      'get-message.ts',
      'limits.ts',
      'limits.ts',
      'limits.ts',
      'list-dead-letters.ts',
      'list-indexes.ts',
      'list-messages.ts',
      'list-messages.ts',
      'lock-claim.ts',
      'pauses.ts',
      'pauses.ts',
      'pauses.ts',
      'ping.ts',
      'purge.ts',
      'release.ts',
      'requeue-dead-letters.ts',
      'requeue-message.ts',
      'retry.ts',
      'snooze.ts',
      'stats.ts',
      'waiting-by-type.ts',
    ]);
    for (const table of TABLES) {
      const used = new Set([
        ...Object.values(
          sqlServerStatements(table, DEFAULT_STORE_OPTIONS, errorsOf(table), pausesOf(table), limitsOf(table), schedulesOf(table)),
        ),
        ...Object.values(
          sqlServerStatements(
            table,
            { ...DEFAULT_STORE_OPTIONS, deleteOnCompletion: true },
            errorsOf(table),
            pausesOf(table),
            limitsOf(table),
            schedulesOf(table),
          ),
        ),
      ]);
      const built = new Set(builders.map(([, build]) => build(table)));
      expect(used).toEqual(built);
    }
  });

  test('deleteOnCompletion changes exactly the three completing statements, into fenced DELETEs of the same table', () => {
    for (const table of TABLES) {
      const updating = sqlServerStatements(table);
      const deleting = sqlServerStatements(table, { ...DEFAULT_STORE_OPTIONS, deleteOnCompletion: true });
      const changed = (Object.keys(updating) as Array<keyof typeof updating>).filter((k) => updating[k] !== deleting[k]);
      expect(changed.sort()).toEqual(['complete', 'completeMany', 'completingUpdate']);
      for (const key of changed) {
        expect(deleting[key]).toContain(`DELETE FROM ${table} WITH (ROWLOCK)`);
        expect(deleting[key]).not.toMatch(/\bUPDATE\b|N'Completed'/);
      }
      // The single-row forms carry the same fence as the UPDATEs and report the count the same way.
      for (const key of ['complete', 'completingUpdate'] as const) {
        expect(deleting[key]).toContain(`WHERE ${FENCE};`);
        expect(deleting[key]).toMatch(/SELECT @@ROWCOUNT AS \[RowCount\];$/);
      }
      // The batch form keeps complete-many's per-row fence check and reports the deleted ids.
      expect(deleting.completeMany).toContain('OUTPUT deleted.Id AS [Id]');
      expect(deleting.completeMany).toContain(
        'WHERE f.FenceId = Id AND f.FenceDequeueTime = DequeueTime AND f.FenceAttempts = ProcessingAttempts',
      );
      expect(deleting.completeMany).toContain("WHERE Status = N'Processing'");
    }
  });

  for (const [name, build] of sqlBuilders()) {
    test.each(TABLES)(`${name} with table %s`, (table) => {
      const sql = build(table);
      // list-indexes names the table inside a string literal (OBJECT_ID), with its quotes doubled.
      expect(sql).toContain(
        name.startsWith('list-indexes')
          ? table.replace(/'/g, "''")
          : name.startsWith('error-history')
            ? errorsOf(table)
            : name.startsWith('pauses')
              ? pausesOf(table)
              : name.startsWith('limits.ts:lock') || name.startsWith('limits.ts:save')
                ? limitsOf(table)
                : table,
      );
      expect(parseTsql(sql).errors).toEqual([]);
    });
  }

  for (const schema of SCHEMAS) {
    test(`migrations and their bookkeeping for schema ${String(schema)}`, () => {
      const statements = migrationStatements(schema);
      expect(statements.length).toBeGreaterThanOrEqual(6);
      for (const [name, sql] of statements) expect({ name, errors: parseTsql(sql).errors }).toEqual({ name, errors: [] });
    });
  }
});

describe('negative controls: the parser rejects broken T-SQL', () => {
  const claim = sqlServerStatements(quoteTable('dbo')).claim;
  const HINTS = 'WITH (UPDLOCK, READPAST, ROWLOCK)';

  /** Applies `edit` to the claim, checks the edit really changed it, and returns the parse errors. */
  function errorsAfter(edit: (sql: string) => string): string[] {
    const broken = edit(claim);
    expect(broken).not.toBe(claim);
    return parseTsql(broken).errors;
  }

  test('the unbroken claim parses (the baseline of every control below)', () => {
    expect(parseTsql(claim).errors).toEqual([]);
  });

  test('a broken hint list: doubled comma, trailing comma, hints without parentheses', () => {
    expect(errorsAfter((s) => s.replace(HINTS, 'WITH (UPDLOCK,, READPAST, ROWLOCK)'))).not.toEqual([]);
    expect(errorsAfter((s) => s.replace(HINTS, 'WITH (UPDLOCK, READPAST, ROWLOCK,)'))).not.toEqual([]);
    expect(errorsAfter((s) => s.replace(HINTS, 'WITH UPDLOCK, READPAST, ROWLOCK'))).not.toEqual([]);
  });

  test('hints separated by spaces are valid (deprecated) T-SQL, so commas are checked structurally instead', () => {
    // SQL Server's syntax is WITH ( <table_hint> [ [ , ] ...n ] ): the comma is optional, and the
    // grammar rightly accepts `WITH (UPDLOCK READPAST)`. The hint-list assertions below require commas.
    expect(errorsAfter((s) => s.replace(HINTS, 'WITH (UPDLOCK READPAST ROWLOCK)'))).toEqual([]);
  });

  test('a misspelled keyword', () => {
    expect(errorsAfter((s) => s.replace('OUTPUT inserted.*', 'OUTPT inserted.*'))).not.toEqual([]);
    expect(errorsAfter((s) => s.replace('ORDER BY ISNULL', 'ODER BY ISNULL'))).not.toEqual([]);
    expect(errorsAfter((s) => s.replace('WHERE Id IN', 'WHER Id IN'))).not.toEqual([]);
    expect(errorsAfter((s) => s.replace('SELECT TOP (@limit)', 'SELCT TOP (@limit)'))).not.toEqual([]);
  });

  test('a missing parenthesis', () => {
    expect(errorsAfter((s) => s.replace('ScheduledTime)\n  AND', 'ScheduledTime\n  AND'))).not.toEqual([]);
    expect(errorsAfter((s) => s.replace('TOP (@limit)', 'TOP (@limit'))).not.toEqual([]);
  });

  test('a broken DDL statement: misspelled keyword, missing parentheses, doubled comma', () => {
    const ddl = SQLSERVER_MIGRATIONS[0]!.statements(quoteTable('dbo'), (name) => quoteTable('dbo', name))[0]!;
    expect(parseTsql(ddl).errors).toEqual([]);
    for (const [from, to] of [
      ['CREATE TABLE', 'CREATE TABEL'],
      ['PRIMARY KEY CLUSTERED (Id)', 'PRIMARY KEY CLUSTERED Id'],
      ['Payload NVARCHAR(MAX) NOT NULL,', 'Payload NVARCHAR(MAX NOT NULL,'],
      ['Payload NVARCHAR(MAX) NOT NULL,', 'Payload NVARCHAR(MAX) NOT NULL,,'],
    ] as const) {
      const broken = ddl.replace(from, to);
      expect(broken).not.toBe(ddl);
      expect({ to, rejected: parseTsql(broken).errors.length > 0 }).toEqual({ to, rejected: true });
    }
  });
});

/** Table hints SQL Server documents (Table Hints (Transact-SQL)) that a statement of ours may use. */
const DOCUMENTED_HINTS = new Set([
  'FORCESCAN',
  'FORCESEEK',
  'HOLDLOCK',
  'NOLOCK',
  'NOWAIT',
  'PAGLOCK',
  'READCOMMITTED',
  'READCOMMITTEDLOCK',
  'READPAST',
  'READUNCOMMITTED',
  'REPEATABLEREAD',
  'ROWLOCK',
  'SERIALIZABLE',
  'SNAPSHOT',
  'TABLOCK',
  'TABLOCKX',
  'UPDLOCK',
  'XLOCK',
]);

/** The table-hint lists of a statement (`WITH (A, B)` with upper-case words only; OPENJSON's WITH (col TYPE ...) is not one). */
function hintLists(sql: string): string[] {
  return [...sql.matchAll(/\bWITH \(([A-Z ,]+)\)/g)].map((m) => m[1]!);
}

/** Problems of one hint list: separators other than ", ", or names SQL Server does not document. */
function hintProblems(list: string): string[] {
  const problems: string[] = [];
  const names = list.split(', ');
  for (const name of names) {
    if (!/^[A-Z]+$/.test(name)) problems.push(`'${name}' is not one hint (separate hints with ", ")`);
    else if (!DOCUMENTED_HINTS.has(name)) problems.push(`'${name}' is not a documented table hint`);
  }
  return problems;
}

describe('structure of the statements the guarantees rest on', () => {
  const table = quoteTable('tenant_acme');
  const sql = sqlServerStatements(table, DEFAULT_STORE_OPTIONS, errorsOf(table), pausesOf(table));
  /** The pause rule both SELECTs of the claim carry (paused tenants and types are left alone). */
  const paused = `\n      AND ${notPaused(pausesOf(table))}`;

  test('claim: the oldest unheld expired lease, then one UPDATE ... OUTPUT inserted.* over TOP (@limit) due work and that lease, read WITH (UPDLOCK, READPAST, ROWLOCK), by priority then oldest first', () => {
    const hinted = `FROM ${table} WITH (UPDLOCK, READPAST, ROWLOCK)`;
    expect(sql.claim.split(hinted)).toHaveLength(4);
    // Pause: the tenant's own QueuePauses, read by both SELECTs that find work (not hinted: a few rows).
    expect(sql.claim.split(paused)).toHaveLength(3);
    expect(notPaused(pausesOf(table))).toBe(
      `MessageType NOT IN (SELECT p.MessageType FROM [tenant_acme].[QueuePauses] AS p)\n      AND NOT EXISTS (SELECT 1 FROM [tenant_acme].[QueuePauses] AS p WHERE p.MessageType = N'')`,
    );
    expect(sql.claim).toContain(`UPDATE ${table} WITH (ROWLOCK, READPAST)`);
    expect(sql.claim).toContain('OUTPUT inserted.*\n');
    expect(sql.claim.match(/\bUPDATE\b/g)).toHaveLength(1);
    // At most ONE expired lease per claim, the oldest lease first (the PostgreSQL claim's rule) ...
    expect(sql.claim).toContain(
      `DECLARE @expiredId UNIQUEIDENTIFIER = (\n    SELECT TOP (1) Id\n    ${hinted}\n    WHERE ${EXPIRED_LEASE}${paused}\n    ORDER BY DequeueTime);`,
    );
    // ... next to up to @limit due work, highest priority (NULL = 0) then oldest ScheduledTime first;
    // of both, the @limit first in that order.
    expect(sql.claim).toContain(
      `SELECT TOP (@limit) Id, ISNULL(Priority, 0) AS Priority, ScheduledTime\n            ${hinted}\n            WHERE ${DUE_WORK}${paused}\n            ORDER BY ISNULL(Priority, 0) DESC, ScheduledTime) AS DueWork`,
    );
    expect(sql.claim).toContain(
      `${hinted}\n        WHERE Id = @expiredId AND ${EXPIRED_LEASE}\n    ) AS Candidates\n    ORDER BY Priority DESC, ScheduledTime)`,
    );
    expect(sql.claim).toContain('SELECT TOP (@limit) Id FROM (');
    // The due predicate is the outer UPDATE's guard (correct even where the hints are ignored),
    // and the lease the claim may take over is reported for ClaimedMessage.reclaimed.
    expect(sql.claim.trimEnd().endsWith(`AND ${DUE};\nSELECT @expiredId AS [TqwExpiredId];`)).toBe(true);
    expect(DUE_WORK).toBe("Status IN (N'Pending', N'Failed') AND ScheduledTime <= @now");
    expect(EXPIRED_LEASE).toBe("Status = N'Processing' AND DequeueTime <= @leaseCutoff");
    expect(DUE).toContain(DUE_WORK);
    expect(DUE).toContain(EXPIRED_LEASE);
    // Forms Babelfish runs: no OUTPUT expression and no deleted. column (next to which it finds
    // the SET's unqualified columns ambiguous).
    expect(sql.claim).not.toMatch(/deleted\.|inserted\.(?!\*)/);
    // The claim must not filter by tenant: foreign rows are claimed to be dead-lettered.
    expect(sql.claim).not.toMatch(/TenantId/);
    // Database clock, millisecond precision; READPAST requires READ COMMITTED.
    expect(sql.claim).toContain('CAST(SYSUTCDATETIME() AS DATETIMEOFFSET(3))');
    expect(sql.claim).toMatch(/^SET TRANSACTION ISOLATION LEVEL READ COMMITTED;/);
  });

  test('claimByType: the same claim, with both the expired lease and the due work limited to the served types', () => {
    const served = ' AND MessageType IN (SELECT value FROM OPENJSON(@types))';
    expect(sql.claimByType.split(served)).toHaveLength(3);
    expect(sql.claimByType).toContain(`WHERE ${EXPIRED_LEASE}${served}${paused}\n    ORDER BY DequeueTime);`);
    expect(sql.claimByType).toContain(`WHERE ${DUE_WORK}${served}${paused}\n            ORDER BY ISNULL(Priority, 0) DESC`);
    expect(sql.claimByType.replaceAll(served, '')).toBe(sql.claim);
  });

  test('every later write about a claim carries the full fence', () => {
    for (const name of ['complete', 'completingUpdate', 'retry', 'deadLetter', 'release', 'extendLease', 'lockClaim'] as const) {
      expect({ name, fenced: sql[name].includes(`WHERE ${FENCE}`) }).toEqual({ name, fenced: true });
    }
    expect(FENCE).toBe("Id = @id AND Status = N'Processing' AND DequeueTime = @dequeueTime AND ProcessingAttempts = @attempts");
    for (const part of ['f.FenceId = Id', 'f.FenceDequeueTime = DequeueTime', 'f.FenceAttempts = ProcessingAttempts']) {
      expect(sql.completeMany).toContain(part);
    }
  });

  test('success is read from OUTPUT rows or SELECT @@ROWCOUNT, never from rowsAffected (Babelfish reports 0 with OUTPUT)', () => {
    for (const name of ['complete', 'completingUpdate', 'release', 'requeueDeadLetters', 'purge'] as const) {
      expect(sql[name].trimEnd().endsWith('SELECT @@ROWCOUNT AS [RowCount];')).toBe(true);
    }
    // retry and dead-letter append to the error history after their UPDATE: its count is kept first.
    for (const name of ['retry', 'deadLetter'] as const) {
      expect(sql[name]).toMatch(/WHERE Id = @id [^;]+;\nDECLARE @changed INT = @@ROWCOUNT;\n/);
      expect(sql[name].trimEnd().endsWith('SELECT @changed AS [RowCount];')).toBe(true);
    }
    expect(sql.extendLease).toContain('OUTPUT inserted.Id AS [Id], inserted.DequeueTime AS [DequeueTime]');
    expect(sql.completeMany).toContain('OUTPUT inserted.Id AS [Id]');
  });

  test('the claim transaction locks its row (waiting, not skipping), and purge deletes in small READPAST batches', () => {
    expect(sql.lockClaim).not.toContain('READPAST');
    expect(sql.lockClaim).toContain(`FROM ${table} WITH (UPDLOCK, ROWLOCK) WHERE`);
    // Babelfish ignores UPDLOCK; there (chosen by the server itself) an UPDATE takes the row lock.
    expect(sql.lockClaim).toMatch(/^IF SERVERPROPERTY\('babelfish'\) IS NULL\n {2}SELECT Id AS \[Id\] FROM /);
    expect(sql.lockClaim).toContain(
      `ELSE\n  UPDATE ${table} WITH (ROWLOCK) SET Status = N'Processing' OUTPUT inserted.Id AS [Id] WHERE ${FENCE};`,
    );
    // The completing transaction's first statement locks (exclusive, one row, waiting) and completes at once.
    expect(sql.completingUpdate).not.toContain('READPAST');
    expect(sql.completingUpdate).toContain(`UPDATE ${table} WITH (ROWLOCK) SET Status = N'Completed'`);
    expect(sql.purge).toContain(`DELETE TOP (@batchSize) FROM ${table} WITH (ROWLOCK, READPAST)`);
  });

  test('every table-hint list names documented hints separated by commas (the grammar accepts any word there)', () => {
    const all = [...Object.values(sql), ...migrationStatements('tenant_acme').map(([, s]) => s)];
    const lists = all.flatMap(hintLists);
    expect(lists.length).toBeGreaterThanOrEqual(8);
    for (const list of lists) expect({ list, problems: hintProblems(list) }).toEqual({ list, problems: [] });
    // Controls: the check (unlike the grammar) catches a misspelled hint and a missing comma.
    expect(parseTsql(sql.claim.replace('READPAST, ROWLOCK)', 'READPASS, ROWLOCK)')).errors).toEqual([]);
    expect(hintProblems('UPDLOCK, READPASS, ROWLOCK')).toEqual(["'READPASS' is not a documented table hint"]);
    expect(hintProblems('UPDLOCK READPAST')).toHaveLength(1);
  });

  test('parameter markers: each statement uses exactly the parameters the store binds', () => {
    const declared = (s: string) => new Set([...s.matchAll(/DECLARE (@\w+)/g)].map((m) => m[1]!));
    const params = (s: string) => {
      const local = declared(s);
      return [...new Set([...s.matchAll(/(?<![@\w])@\w+/g)].map((m) => m[0]))].filter((p) => !local.has(p)).sort();
    };
    const fence = ['@attempts', '@dequeueTime', '@id'];
    expect(Object.fromEntries(Object.entries(sql).map(([name, s]) => [name, params(s)]))).toEqual({
      claim: ['@leaseMs', '@limit'],
      claimByType: ['@leaseMs', '@limit', '@types'],
      pause: ['@messageType'],
      resume: ['@messageType'],
      pauseState: [],
      lockBuckets: ['@LockMode', '@LockOwner', '@LockTimeout', '@Resource', '@capacities', '@lockResource', '@lockTimeoutMs', '@scopes'],
      runningByType: ['@leaseMs'],
      saveBuckets: ['@asOf', '@scopes', '@tokens'],
      lockClaim: fence,
      complete: fence,
      completingUpdate: fence,
      completeMany: ['@fences'],
      retry: ['@code', '@delayMillis', '@delaySeconds', '@error', ...fence].sort(),
      deadLetter: ['@code', '@error', ...fence].sort(),
      errorHistory: ['@ids'],
      release: ['@reason', ...fence].sort(),
      snooze: ['@delayMillis', '@delaySeconds', ...fence].sort(),
      extendLease: fence,
      enqueue: ['@correlationId', '@delayMillis', '@delaySeconds', '@id', '@messageType', '@payload', '@priority', '@tenantId'],
      // (@LockMode, @LockOwner, @LockTimeout, @Resource: sp_getapplock's own argument names, not bound.)
      enqueueDeduped: [
        '@LockMode',
        '@LockOwner',
        '@LockTimeout',
        '@Resource',
        '@correlationId',
        '@dedupeKey',
        '@delayMillis',
        '@delaySeconds',
        '@id',
        '@lockResource',
        '@messageType',
        '@payload',
        '@priority',
        '@tenantId',
      ],
      enqueueIfAbsent: ['@correlationId', '@delayMillis', '@delaySeconds', '@id', '@messageType', '@payload', '@priority', '@tenantId'],
      enqueueOccurrence: [
        '@correlationId',
        '@delayMillis',
        '@delaySeconds',
        '@enqueue',
        '@id',
        '@messageType',
        '@occurrence',
        '@payload',
        '@priority',
        '@schedule',
        '@tenantId',
      ],
      getMessage: ['@id'],
      stats: [],
      waitingByType: [],
      depth: [],
      listDeadLetters: ['@limit'],
      requeueDeadLetters: ['@ids'],
      listMessages: ['@dedupeKey', '@limit', '@q', '@status', '@type'],
      listMessagesAfter: ['@after', '@dedupeKey', '@limit', '@q', '@status', '@type'],
      requeueMessage: ['@id', '@statuses'],
      deleteMessage: ['@id', '@statuses'],
      requeueDeadLettersMatching: ['@batch', '@error', '@ids', '@type'],
      deleteDeadLettersMatching: ['@batch', '@error', '@ids', '@type'],
      purge: ['@batchSize', '@olderThanMillis', '@olderThanSeconds', '@status'],
      ping: [],
      listIndexes: [],
    });
  });
});

describe('deleteOnCompletion: the completing DELETEs', () => {
  const table = quoteTable('tenant_acme');
  const updating = sqlServerStatements(table);
  const deleting = sqlServerStatements(table, { ...DEFAULT_STORE_OPTIONS, deleteOnCompletion: true });
  const declared = (s: string) => new Set([...s.matchAll(/DECLARE (@\w+)/g)].map((m) => m[1]!));
  const params = (s: string) => {
    const local = declared(s);
    return [...new Set([...s.matchAll(/(?<![@\w])@\w+/g)].map((m) => m[0]))].filter((p) => !local.has(p)).sort();
  };

  test('each takes exactly the parameters of the UPDATE it replaces, so the store binds them the same way', () => {
    for (const key of ['complete', 'completeMany', 'completingUpdate'] as const) {
      expect({ key, params: params(deleting[key]) }).toEqual({ key, params: params(updating[key]) });
    }
  });

  test('the opening DELETE of a completing transaction waits for a held row (no READPAST) and its hint lists are well formed', () => {
    expect(deleting.completingUpdate).not.toContain('READPAST');
    for (const list of [deleting.complete, deleting.completeMany, deleting.completingUpdate].flatMap(hintLists)) {
      expect({ list, problems: hintProblems(list) }).toEqual({ list, problems: [] });
    }
  });

  test('negative controls: broken DELETE forms are rejected by the grammar', () => {
    for (const [key, from, to] of [
      ['completeMany', 'OUTPUT deleted.Id AS [Id]', 'OUTPT deleted.Id AS [Id]'],
      ['completeMany', 'DELETE FROM', 'DELETE FORM'],
      ['complete', 'WITH (ROWLOCK)', 'WITH (ROWLOCK'],
      ['completingUpdate', 'DELETE FROM', 'DELETE FROM FROM'],
    ] as const) {
      const good = deleting[key];
      expect(parseTsql(good).errors).toEqual([]);
      const broken = good.replace(from, to);
      expect(broken).not.toBe(good);
      expect({ key, to, rejected: parseTsql(broken).errors.length > 0 }).toEqual({ key, to, rejected: true });
    }
  });
});

describe('group statements (one statement for many tenant tables, across the databases of a server)', () => {
  /** Three-part names as the store builds them: default schema (db..table), tenant schema, and names that need escaping. */
  const THREE_PART = [
    '[tenant_db_1]..[QueueMessages]',
    '[tenant_db_2].[acme].[QueueMessages]',
    "[we]]ird db].[sch]]ema '; DROP].[QueueMessages]",
  ];
  const lists: Array<[string, string[]]> = [
    ['one two-part table', [quoteTable('dbo')]],
    ['three-part names', THREE_PART],
    ['250 databases', Array.from({ length: 250 }, (_, i) => `[tenant_${i}].[dbo].[QueueMessages]`)],
  ];

  test.each(lists)('next-due, depth-many, has-purgeable and pause-states parse for %s', (_name, tables) => {
    for (const sql of [nextDueSql(tables), depthManySql(tables), hasPurgeableSql(tables), pauseStatesSql(tables)]) {
      for (const table of tables) expect(sql).toContain(sql.includes(' AS [Index], MessageType FROM ') ? pausesOf(table) : table);
      expect(parseTsql(sql).errors).toEqual([]);
    }
  });

  test('the probe reads each table with READPAST under READ COMMITTED, by Status ranges of the claim index, and uses the database clock', () => {
    const sql = nextDueSql(THREE_PART);
    expect(sql).toMatch(/^SET TRANSACTION ISOLATION LEVEL READ COMMITTED;/);
    expect(sql).toContain('CAST(SYSUTCDATETIME() AS DATETIMEOFFSET(3))');
    for (const table of THREE_PART) {
      // Paused work (the tenant's QueuePauses, beside its queue table) is not work.
      const paused = `\n      AND ${notPaused(pausesOf(table))}`;
      for (const status of ['Pending', 'Failed']) {
        expect(sql).toContain(`(SELECT MIN(ScheduledTime) FROM ${table} WITH (READPAST) WHERE Status = N'${status}'${paused})`);
      }
      expect(sql).toContain(`(SELECT MIN(DequeueTime) FROM ${table} WITH (READPAST) WHERE Status = N'Processing'${paused})`);
    }
    // Tables without work return no row; Index tells the caller which table a row is about.
    expect(sql).toContain('WHERE w.[Pending] IS NOT NULL OR w.[Failed] IS NOT NULL OR w.[Held] IS NOT NULL;');
    expect(sql.match(/ AS \[Index\]/g)).toHaveLength(THREE_PART.length);
    for (const list of hintLists(sql)) expect(hintProblems(list)).toEqual([]);
  });

  test("the retention pre-check uses purge's predicate and parameters; depth reads WITH (NOLOCK)", () => {
    const purge = sqlServerStatements(quoteTable('dbo')).purge;
    const check = hasPurgeableSql(THREE_PART);
    expect(check).toContain('WHERE Status = @status AND COALESCE(LastAttemptTime, CreatedAt) < @cutoff');
    expect(purge).toContain('WHERE Status = @status AND COALESCE(LastAttemptTime, CreatedAt) < @cutoff');
    expect(check).toContain(
      'DECLARE @cutoff DATETIMEOFFSET(3) = DATEADD(millisecond, -@olderThanMillis, DATEADD(second, -@olderThanSeconds,',
    );
    expect(depthManySql(THREE_PART).match(/WITH \(NOLOCK\)/g)).toHaveLength(4 * THREE_PART.length);
  });

  test('negative controls: a broken three-part name or UNION is rejected', () => {
    const good = nextDueSql(THREE_PART);
    for (const [from, to] of [
      ['UNION ALL', 'UNION ALL ALL'],
      ['[tenant_db_2].[acme].[QueueMessages]', '[tenant_db_2].[acme].[QueueMessages'],
      ['AS [Index]', 'AS [Index'],
    ] as const) {
      const broken = good.replace(from, to);
      expect(broken).not.toBe(good);
      expect({ to, rejected: parseTsql(broken).errors.length > 0 }).toEqual({ to, rejected: true });
    }
  });
});
