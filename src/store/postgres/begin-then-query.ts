import pg from 'pg';

/** pg.Query's extended-protocol send (Parse/Bind/Describe/Execute/Sync), not in its type declarations. */
type Preparing = { prepare(connection: pg.Connection): void };

/**
 * A node-postgres query that opens a transaction in the SAME round trip: before the statement's own
 * Parse/Bind/Execute it writes Parse/Bind/Execute of each `preamble` statement (BEGIN, SET LOCAL ...),
 * and one Sync ends them all. PostgreSQL runs them in order; if one fails, the rest up to the Sync
 * are skipped and the error is reported (the caller rolls back). node-postgres sends one query per
 * round trip and has no pipelining, but a query object may write the protocol messages it needs (the
 * documented Submittable extension point that pg-cursor uses); this one adds messages in front of
 * pg.Query's own and keeps all of its result handling.
 *
 * With a named statement (config.name) the statement is parsed once per connection and its plan
 * reused. The client marks the name as parsed on the first ParseComplete of the round trip, which
 * here is the preamble's: if the statement's own Parse then fails, that mark is wrong, so the
 * caller must discard the connection when this query fails (see claim-transaction.ts).
 */
export class BeginThenQuery extends pg.Query {
  /**
   * Command tags of the statements completed so far, in order ('COMMIT', 'BEGIN', 'SET', 'UPDATE 1').
   * After an error they tell which statements ran before it (TransactionChain needs to know whether
   * a leading COMMIT went through).
   */
  readonly commandTags: string[] = [];

  constructor(
    private readonly preamble: readonly string[],
    config: pg.QueryConfig,
  ) {
    // Extended protocol always (pg would send a statement without parameters as a simple query,
    // skipping prepare() and so the preamble).
    super({ ...config, queryMode: 'extended' } as pg.QueryConfig);
  }

  /** Called by pg.Query.submit() (under cork) for statements with parameters or a name. */
  prepare(connection: pg.Connection): void {
    const send = connection as unknown as {
      parse(query: { text: string; name: string; types?: unknown[] }): void;
      bind(config: { portal: string; statement: string; values: unknown[] }): void;
      execute(config: { portal: string; rows: number }): void;
    };
    for (const text of this.preamble) {
      send.parse({ text, name: '', types: [] });
      send.bind({ portal: '', statement: '', values: [] });
      send.execute({ portal: '', rows: 0 });
    }
    (pg.Query.prototype as unknown as Preparing).prepare.call(this, connection);
  }

  handleCommandComplete(msg: { text: string }, connection: pg.Connection): void {
    this.commandTags.push(msg.text.split(' ')[0]!);
    (pg.Query.prototype as unknown as { handleCommandComplete(m: unknown, c: pg.Connection): void }).handleCommandComplete.call(this, msg, connection);
  }

  /** Submits on `client` and resolves with the results of every statement (preamble first). */
  run(client: pg.ClientBase): Promise<pg.QueryResult[]> {
    return new Promise<pg.QueryResult[]>((resolve, reject) => {
      this.once('end', (results: pg.QueryResult | pg.QueryResult[]) => resolve(Array.isArray(results) ? results : [results]));
      // `on`, not `once`: a second 'error' (the connection dying after the statement failed) must
      // find a listener too, or Node would treat it as unhandled and end the process.
      this.on('error', reject);
      client.query(this);
    });
  }
}
