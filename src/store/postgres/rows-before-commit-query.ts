import pg from 'pg';

type Handlers = {
  handleCommandComplete(msg: unknown, connection: pg.Connection): void;
  handleError(err: Error, connection: pg.Connection): void;
};
const base = pg.Query.prototype as unknown as Handlers;

/**
 * A node-postgres query of ONE autocommitted data-modifying statement with RETURNING whose rows are
 * handed to `onRows` as soon as the server has sent them, before its commit is confirmed.
 *
 * node-postgres normally writes Sync right after Execute; PostgreSQL then commits the statement's
 * implicit transaction (waiting for the log flush) before it sends anything, and the rows,
 * CommandComplete and ReadyForQuery arrive together. Here Execute is followed by Flush instead
 * (pg.Query's own paging mode: `rows` set above anything the statement can return), so the server
 * sends the rows and CommandComplete at once; this query writes Sync when CommandComplete arrives,
 * and the commit's log flush overlaps whatever `onRows` starts. The query still resolves only after
 * the commit (ReadyForQuery), with the same result, and rejects if the statement or its commit fails.
 *
 * The rows are not committed when `onRows` sees them (see CompletingTransactionOptions.afterClaimCommit).
 * An exception from `onRows` is not the query's: the query's own outcome still reports.
 *
 * Until CommandComplete no Sync has been written, so after an error before it (Parse, Bind or
 * Execute) the server would wait for one forever: this query writes it then.
 */
export class RowsBeforeCommitQuery<R extends pg.QueryResultRow = pg.QueryResultRow> extends pg.Query<R> {
  private synced = false;

  constructor(
    config: pg.QueryConfig & { rowMode?: 'array' },
    maxRows: number,
    private readonly onRows: (result: pg.QueryResult<R>) => void,
    callback: (err: Error | undefined, result: pg.QueryResult<R>) => void,
  ) {
    // `rows`: Execute with a row limit, then Flush (not Sync). Above the most rows the statement can
    // return, so the portal always completes in that one Execute.
    super({ ...config, rows: maxRows + 1, callback } as pg.QueryConfig);
  }

  handleCommandComplete(msg: unknown, connection: pg.Connection): void {
    base.handleCommandComplete.call(this, msg, connection); // writes Sync: the commit starts
    this.synced = true;
    try {
      this.onRows((this as unknown as { _result: pg.QueryResult<R> })._result);
    } catch {
      // Not the query's failure (see above).
    }
  }

  handleError(err: Error, connection: pg.Connection): void {
    if (!this.synced) {
      this.synced = true;
      connection.sync();
    }
    base.handleError.call(this, err, connection);
  }
}

/**
 * Runs a RowsBeforeCommitQuery on a client of `pool` as pool.query would: the client goes back to
 * the pool afterwards, destroyed after an error.
 */
export async function queryRowsBeforeCommit<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  config: pg.QueryConfig & { rowMode?: 'array' },
  maxRows: number,
  onRows: (result: pg.QueryResult<R>) => void,
): Promise<pg.QueryResult<R>> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    return await new Promise<pg.QueryResult<R>>((resolve, reject) => {
      client.query(new RowsBeforeCommitQuery<R>(config, maxRows, onRows, (err, result) => (err ? reject(err) : resolve(result))));
    });
  } catch (err) {
    failure = err as Error;
    throw err;
  } finally {
    client.release(failure);
  }
}
