/**
 * A Babelfish (T-SQL over TDS) server of a test's own that it can stop and start again (same data
 * directory and port), for scenarios that restart or stop the database. It needs the folder with
 * Babelfish's start.sh and stop.sh, named by TEST_BABELFISH_DIR (CI exports it when it has one);
 * without it the tests that need such a server are registered skipped, saying why.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mssql from 'mssql';
import { Client } from 'pg';
import { sqlServerConfig } from '../../src/store/sqlserver/connection-config';
import { quoteIdent } from '../../src/store/sqlserver/quote-table';
import { withDatabase, withSqlServerPool } from './mssql';
import { parseConnectionString } from '../../src/tenants/connection-string';
import { freePort, tempDir } from './processes';

const run = promisify(execFile);

/** The folder holding Babelfish's start.sh and stop.sh, or undefined when this machine has none. */
export function babelfishDir(): string | undefined {
  const dir = process.env.TEST_BABELFISH_DIR?.trim();
  return dir && existsSync(join(dir, 'start.sh')) && existsSync(join(dir, 'stop.sh')) ? dir : undefined;
}

/** Why a test that needs a controllable Babelfish is skipped here. */
export const NO_BABELFISH_REASON =
  "TEST_BABELFISH_DIR is not set (or has no start.sh/stop.sh): no Babelfish server of the test's own to restart";

/** `describe` when a controllable Babelfish can be started, `describe.skip` (with the reason in the title) otherwise. */
export function describeIfBabelfish(title: string, body: () => void): void {
  if (babelfishDir()) describe(title, body);
  else describe.skip(`${title} (skipped: ${NO_BABELFISH_REASON})`, body);
}

export class ControllableBabelfish {
  private running = false;
  private readonly pools = new Map<string, Promise<mssql.ConnectionPool>>();

  private constructor(
    private readonly scripts: string,
    readonly dataDir: string,
    readonly port: number,
    /** The administrator connection string start.sh printed (database master). */
    readonly adminUrl: string,
  ) {}

  /** Starts a fresh server on a free port (initdb the first time: a few seconds). */
  static async start(): Promise<ControllableBabelfish> {
    const scripts = babelfishDir();
    if (!scripts) throw new Error(NO_BABELFISH_REASON);
    const dataDir = tempDir('bbf');
    const port = await freePortPair();
    const { stdout } = await run('bash', [join(scripts, 'start.sh'), dataDir, String(port)], { maxBuffer: 1 << 20 });
    const url = /^MSSQL_URL=(.+)$/m.exec(stdout)?.[1]?.trim();
    if (!url) throw new Error(`start.sh printed no MSSQL_URL:\n${stdout}`);
    const server = new ControllableBabelfish(scripts, dataDir, port, url);
    server.running = true;
    return server;
  }

  /** The administrator's connection string for `database`. */
  url(database: string): string {
    return withDatabase(this.adminUrl, database);
  }

  /** Fast shutdown: every session is cut, new connections are refused until startAgain(). */
  async stop(): Promise<void> {
    await this.closePools();
    if (!this.running) return;
    await run('bash', [join(this.scripts, 'stop.sh'), this.dataDir]);
    this.running = false;
  }

  /** Starts the stopped server again; resolves once it accepts T-SQL sessions. */
  async startAgain(): Promise<void> {
    await run('bash', [join(this.scripts, 'start.sh'), this.dataDir, String(this.port)], { maxBuffer: 1 << 20 });
    this.running = true;
  }

  async createDatabase(name: string): Promise<string> {
    await withSqlServerPool(this.adminUrl, 'controllable Babelfish', 1, (pool) =>
      pool.request().batch(`CREATE DATABASE ${quoteIdent(name)};`),
    );
    return this.url(name);
  }

  /**
   * Runs one statement on `database` as the administrator, through a pool kept per database (a
   * Babelfish login takes long enough to blur timings); stop() closes them.
   */
  async batch<T = Record<string, unknown>>(database: string, text: string, inputs: Record<string, unknown> = {}): Promise<T[]> {
    let pool = this.pools.get(database);
    if (!pool) {
      const created = new mssql.ConnectionPool({
        ...sqlServerConfig(this.url(database), 'controllable Babelfish'),
        pool: { max: 2, min: 0 },
      });
      created.on('error', () => undefined);
      pool = created.connect();
      this.pools.set(database, pool);
      pool.catch(() => this.pools.delete(database));
    }
    const request = (await pool).request();
    for (const [name, value] of Object.entries(inputs)) request.input(name, value);
    return (await request.query<T>(text)).recordset ?? [];
  }

  /**
   * Reads through Babelfish's PostgreSQL port (start.sh's PORT+10000), whose logins take
   * milliseconds where a TDS login takes up to a second after a restart: what a test measures
   * right after the server's return is then the worker, not the observer. A T-SQL table db.dbo.T
   * is the PostgreSQL table babelfish_db."db_dbo".t (identifiers lower-cased).
   */
  async observe<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    const { user, password } = parseConnectionString(this.adminUrl);
    const client = new Client({ host: '127.0.0.1', port: this.port + 10_000, database: 'babelfish_db', user, password });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  private async closePools(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map(async (p) => (await p.catch(() => undefined))?.close().catch(() => undefined)));
  }

  /** Stops the server and removes its data. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A free TDS port whose PostgreSQL-protocol twin (start.sh's PORT+10000) is free too. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await isFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair for Babelfish (TDS port and PORT+10000)');
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
