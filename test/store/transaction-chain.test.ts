/**
 * TransactionChain (src/store/postgres/transaction-chain.ts) against a real PostgreSQL: a commit
 * that finds a transaction waiting opens it on the same connection in the same round trip, and
 * every way that round trip can go wrong leaves each transaction with the right outcome.
 */
import pg from 'pg';
import { createPgPool } from '../../src/store/postgres/create-pool';
import { TransactionChain } from '../../src/store/postgres/transaction-chain';
import { IN_OPENED_TRANSACTION, openTransactionSql } from '../../src/store/postgres/sql/open-transaction';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

let db: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('tqw_txchain');
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query('CREATE TABLE effects (id text PRIMARY KEY)');
  // Checked at COMMIT: a transaction that inserts 'dup-*' twice fails only when it commits.
  await admin.query(`CREATE TABLE deferred (id text, CONSTRAINT deferred_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`);
});

afterEach(async () => {
  await admin.query('TRUNCATE effects, deferred');
});

afterAll(async () => {
  await admin.end();
  await db.drop();
});

/** A one-connection pool: a second transaction must wait for the first one's connection. */
function onePool(max = 1): pg.Pool {
  return createPgPool(db.url, { max, idleTimeoutMs: 10_000, connectTimeoutMs: 5_000 });
}

/** A chain over a fresh pool of `max` connections (default one), ended afterwards whatever happens. */
async function withChain(fn: (chain: TransactionChain, pool: pg.Pool) => Promise<void>, max = 1): Promise<void> {
  const pool = onePool(max);
  try {
    await fn(new TransactionChain(() => pool), pool);
  } finally {
    await pool.end();
  }
}

/** The preamble the stores send (BEGIN and the guard's setting). */
const BEGIN = openTransactionSql(undefined);
/** An opening statement as the chain requires: guarded, it does nothing outside the transaction its BEGIN opened. */
const insertEffect = (id: string): pg.QueryConfig => ({
  text: `INSERT INTO effects (id) SELECT $1 WHERE ${IN_OPENED_TRANSACTION} RETURNING id`,
  values: [id],
});
const committedIds = async () => (await admin.query<{ id: string }>('SELECT id FROM effects ORDER BY id')).rows.map((r) => r.id);
const backendPid = async (client: pg.PoolClient) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

test('a commit opens the waiting transaction on the same connection, and both keep their own outcome', async () => {
  await withChain(async (chain, pool) => {
    const a = await chain.open(BEGIN, insertEffect('a'));
    expect(a.result.rows).toEqual([{ id: 'a' }]);
    const pidA = await backendPid(a.client);
    const waiting = chain.open(BEGIN, insertEffect('b'));
    expect(await committedIds()).toEqual([]);

    await expect(chain.commit(a.client)).resolves.toBe('COMMIT');
    const b = await waiting;
    expect(await backendPid(b.client)).toBe(pidA); // handed over, not a new connection
    expect(b.result.rows).toEqual([{ id: 'b' }]);
    // a is committed; b is open in its own transaction, not yet visible.
    expect(await committedIds()).toEqual(['a']);

    await chain.rollback(b.client);
    expect(await committedIds()).toEqual(['a']);
    expect(pool.idleCount).toBe(1); // the connection went back to the pool
  });
});

test('a COMMIT that fails fails its own transaction only; the waiting one opens all the same, on that connection', async () => {
  await withChain(async (chain) => {
    const a = await chain.open(BEGIN, {
      text: `INSERT INTO deferred (id) SELECT v FROM (VALUES ('dup'), ('dup')) AS t(v) WHERE ${IN_OPENED_TRANSACTION}`,
    });
    const pidA = await backendPid(a.client);
    const waiting = chain.open(BEGIN, insertEffect('b'));

    await expect(chain.commit(a.client)).rejects.toThrow(/deferred_unique/);
    const b = await waiting;
    expect(b.result.rows).toEqual([{ id: 'b' }]);
    // Pipelined statements each have their own Sync: the failed COMMIT ended its transaction and the
    // next one opened behind it on the same (healthy) connection.
    expect(await backendPid(b.client)).toBe(pidA);
    await expect(chain.commit(b.client)).resolves.toBe('COMMIT');
    expect(await committedIds()).toEqual(['b']);
    expect((await admin.query('SELECT count(*)::int AS n FROM deferred')).rows[0].n).toBe(0);
  });
});

test('when the COMMIT succeeds but the next opening fails, the commit stands and the opener gets the error', async () => {
  await withChain(async (chain) => {
    const a = await chain.open(BEGIN, insertEffect('a'));
    const waiting = chain.open(BEGIN, { text: 'INSERT INTO no_such_table VALUES (1)' });
    const failed = waiting.catch((err: unknown) => err);

    await expect(chain.commit(a.client)).resolves.toBe('COMMIT');
    expect(String(await failed)).toMatch(/no_such_table/);
    expect(await committedIds()).toEqual(['a']);

    // The pool is usable afterwards (the broken connection was discarded, not reused).
    const c = await chain.open(BEGIN, insertEffect('c'));
    await chain.commit(c.client);
    expect(await committedIds()).toEqual(['a', 'c']);
  });
});

test('a transaction whose statement failed reports ROLLBACK at commit; the waiting one still opens', async () => {
  await withChain(async (chain) => {
    const a = await chain.open(BEGIN, insertEffect('a'));
    await a.client.query('SELECT 1 / 0').catch(() => undefined); // a handler that swallowed a database error
    const waiting = chain.open(BEGIN, insertEffect('b'));

    await expect(chain.commit(a.client)).resolves.toBe('ROLLBACK');
    const b = await waiting;
    await expect(chain.commit(b.client)).resolves.toBe('COMMIT');
    expect(await committedIds()).toEqual(['b']);
  });
});

test('a commit does not keep the connection while someone else waits for the pool', async () => {
  await withChain(async (chain, pool) => {
    const a = await chain.open(BEGIN, insertEffect('a'));
    const order: string[] = [];
    // Someone else (a claim, another tenant) asks the pool first, then a transaction waits.
    const outsider = pool.connect().then((client) => {
      order.push('outsider');
      return client;
    });
    const waiting = chain.open(BEGIN, insertEffect('b')).then((opened) => {
      order.push('chained');
      return opened;
    });

    await chain.commit(a.client);
    const other = await outsider;
    expect(order).toEqual(['outsider']);
    other.release();
    const b = await waiting;
    expect(order).toEqual(['outsider', 'chained']);
    await chain.commit(b.client);
    expect(await committedIds()).toEqual(['a', 'b']);
  });
});

test('transactions opened while the pool is free do not wait for a commit', async () => {
  await withChain(async (chain, pool) => {
    const opened = await Promise.all(['x', 'y', 'z'].map((id) => chain.open(BEGIN, insertEffect(id))));
    const pids = await Promise.all(opened.map((o) => backendPid(o.client)));
    expect(new Set(pids).size).toBe(3);
    for (const o of opened) await chain.commit(o.client);
    expect(await committedIds()).toEqual(['x', 'y', 'z']);
    expect(pool.idleCount).toBe(3);
  }, 3);
});

test('a waiter is served by the connection it asked for even when others queue behind it (no lost waiter)', async () => {
  await withChain(async (chain, pool) => {
    const a = await chain.open(BEGIN, insertEffect('a'));
    const waiting = chain.open(BEGIN, insertEffect('b'));
    // Someone else asks the pool after the waiter: the commit must not chain past it, and the
    // connection the waiter asked for must then open the waiter, not go to the one queued behind.
    const later = pool.connect();
    await chain.commit(a.client);
    const b = await Promise.race([
      waiting,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('waiter never served')), 3_000)),
    ]);
    expect(b.result.rows).toEqual([{ id: 'b' }]);
    await chain.commit(b.client);
    (await later).release();
    expect(await committedIds()).toEqual(['a', 'b']);
  });
});

test('a connection lost under a chained commit: the commit fails and the waiting transaction opens on a fresh connection', async () => {
  await withChain(async (chain) => {
    const a = await chain.open(BEGIN, insertEffect('a'));
    const pidA = await backendPid(a.client);
    const waiting = chain.open(BEGIN, insertEffect('b'));
    await admin.query('SELECT pg_terminate_backend($1)', [pidA]);
    await expect(chain.commit(a.client)).rejects.toThrow();
    const b = await waiting;
    expect(await backendPid(b.client)).not.toBe(pidA);
    await chain.commit(b.client);
    expect(await committedIds()).toEqual(['b']);
  });
});

test('pipelined opening statements take effect only inside the transaction BEGIN opened (the guard of sql/open-transaction.ts)', async () => {
  const pool = onePool();
  try {
    const client = await pool.connect();
    try {
      await admin.query(`INSERT INTO effects (id) VALUES ('guarded')`);
      const guarded = `DELETE FROM effects WHERE id = 'guarded' AND ${IN_OPENED_TRANSACTION}`;
      // Without BEGIN (as if it had failed), the settings statement lasts for itself only: nothing deleted.
      await client.query(openTransactionSql(undefined)[1]!);
      expect((await client.query(guarded)).rowCount).toBe(0);
      // Inside the transaction: deleted.
      for (const text of openTransactionSql(undefined)) await client.query(text);
      expect((await client.query(guarded)).rowCount).toBe(1);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
});
