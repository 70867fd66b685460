import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { childEnv } from './hermetic-env';
import { REPO_ROOT, freePort, tempDir } from './processes';
import { waitFor } from './worker-fixtures';

/** A PostgreSQL server of its own that a test can stop and start again (same data directory and port). */
export class ControllablePgServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly password: string,
    /** Server settings passed as `-c name=value` on every start. */
    readonly settings: Record<string, string>,
  ) {}

  static async start(password = 'ctl-pg-secret-pw', settings: Record<string, string> = {}): Promise<ControllablePgServer> {
    const server = new ControllablePgServer(tempDir('ctlpg'), await freePort(), password, settings);
    await server.startAgain();
    return server;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  async startAgain(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'test', 'support', 'pg-server-process.mjs'),
        this.dataDir,
        String(this.port),
        this.password,
        JSON.stringify(this.settings),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: childEnv(),
      },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('READY')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`pg-server exited early with code ${code}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /**
   * Crashes the server the way a PostgreSQL process crash does: one client backend is killed with
   * SIGKILL, so the postmaster ends every session, throws away shared memory (write-ahead log not yet
   * written to a file is lost, e.g. commits made with synchronous_commit off) and recovers from the
   * log on disk. Resolves once the server accepts connections again; a sentinel session of our own
   * must have been cut meanwhile, which proves the crash happened.
   */
  async crash(timeoutMs = 60_000): Promise<void> {
    const sentinel = new Client({ connectionString: this.url() });
    await sentinel.connect();
    const cut = new Promise<Error>((resolve) => sentinel.on('error', resolve));
    try {
      const { rows } = await sentinel.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() ORDER BY backend_start LIMIT 1",
      );
      const victim = rows[0]?.pid;
      if (victim === undefined) throw new Error('no client session to kill: crash() is meant for a server under load');
      process.kill(victim, 'SIGKILL');
      const error = await withTimeout(cut, timeoutMs, 'the sentinel session to be cut by the crash');
      // PostgreSQL ends the other sessions at once (SIGQUIT): the client sees the crash message or just
      // the connection closing. Either way a session nobody killed was cut: the crash happened.
      if (!/crash of another server process|terminated unexpectedly/.test(error.message))
        throw new Error(`the sentinel session ended, but not by a crash: ${error.message}`);
    } finally {
      await sentinel.end().catch(() => undefined);
    }
    await waitFor(
      async () => {
        const probe = new Client({ connectionString: this.url() });
        try {
          await probe.connect();
          await probe.query('SELECT 1');
          return true;
        } catch {
          return false;
        } finally {
          await probe.end().catch(() => undefined);
        }
      },
      { timeoutMs, intervalMs: 100, what: 'the server to accept connections again after the crash' },
    );
  }

  async createDatabase(name: string): Promise<string> {
    const c = new Client({ connectionString: this.url() });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE "${name}"`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
