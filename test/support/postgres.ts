import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Admin URL of the run's PostgreSQL server (embedded, or PG_URL), set by global-setup.mjs. */
export function pgAdminUrl(): string {
  const url = process.env.TQW_TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TQW_TEST_PG_ADMIN_URL is not set: run the tests through jest (global-setup.mjs starts PostgreSQL)');
  return url;
}

/** The same server's URL for another database. */
export function pgUrlFor(database: string): string {
  const url = new URL(pgAdminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the test server (one per test file or test). */
export async function createTestDatabase(prefix = 'tqw'): Promise<TestDatabase> {
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: pgUrlFor(name),
    async drop() {
      const c = new Client({ connectionString: pgAdminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
