/**
 * The recorder database (test infrastructure on the shared, never-stopped server): what the handlers
 * report about themselves, autocommitted outside the system under test (see
 * test/fixtures/reliability-handlers/lib/recorder.js).
 */
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { query } from './sql';

export interface Invocation {
  messageId: string;
  tenantId: string;
  type: string;
  pid: number;
  attempt: number;
  at: Date;
}

export interface Recorder {
  readonly url: string;
  invocations(): Promise<Invocation[]>;
  duplicates(): Promise<Array<{ messageId: string; tenantId: string; pid: number }>>;
  /** Writes a handler made after its attempt ended, with what each got (an error code, or 'committed'). */
  lateWrites(): Promise<Array<{ messageId: string; attempt: number; outcome: string }>>;
  drop(): Promise<void>;
}

export async function createRecorder(): Promise<Recorder> {
  const db: TestDatabase = await createTestDatabase('rel_recorder');
  await query(
    db.url,
    `CREATE TABLE invocations (
       id bigserial PRIMARY KEY, message_id uuid NOT NULL, tenant_id text NOT NULL, type text NOT NULL,
       pid integer NOT NULL, attempt integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
     CREATE TABLE duplicates (
       message_id uuid NOT NULL, tenant_id text NOT NULL, pid integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
     CREATE TABLE late_writes (
       message_id uuid NOT NULL, tenant_id text NOT NULL, pid integer NOT NULL, attempt integer NOT NULL, outcome text NOT NULL,
       at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  return {
    url: db.url,
    async invocations() {
      const rows = await query<{ message_id: string; tenant_id: string; type: string; pid: number; attempt: number; at: Date }>(
        db.url,
        'SELECT message_id, tenant_id, type, pid, attempt, at FROM invocations ORDER BY id',
      );
      return rows.map((r) => ({ messageId: r.message_id, tenantId: r.tenant_id, type: r.type, pid: r.pid, attempt: r.attempt, at: r.at }));
    },
    async duplicates() {
      const rows = await query<{ message_id: string; tenant_id: string; pid: number }>(
        db.url,
        'SELECT message_id, tenant_id, pid FROM duplicates',
      );
      return rows.map((r) => ({ messageId: r.message_id, tenantId: r.tenant_id, pid: r.pid }));
    },
    async lateWrites() {
      const rows = await query<{ message_id: string; attempt: number; outcome: string }>(
        db.url,
        'SELECT message_id, attempt, outcome FROM late_writes ORDER BY at',
      );
      return rows.map((r) => ({ messageId: r.message_id, attempt: r.attempt, outcome: r.outcome }));
    },
    drop: () => db.drop(),
  };
}
