import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { REPO_ROOT, freePort, tempDir } from './processes';

/** A PostgreSQL server of its own that a test can stop and start again (same data directory and port). */
export class ControllablePgServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly password: string,
  ) {}

  static async start(password = 'ctl-pg-secret-pw'): Promise<ControllablePgServer> {
    const server = new ControllablePgServer(tempDir('ctlpg'), await freePort(), password);
    await server.startAgain();
    return server;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  async startAgain(): Promise<void> {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'test', 'support', 'pg-server-process.mjs'), this.dataDir, String(this.port), this.password], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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
