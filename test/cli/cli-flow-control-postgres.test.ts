/**
 * The admin commands of routing, error history, priorities, dedupe keys and pause/resume, run
 * in process (main() with captured output) against a real PostgreSQL: a fresh database with one
 * schema-per-tenant tenant, migrated by `tqw migrate`. Rows are written through the real store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { QueueStore } from '../../src/store/types';
import type { StorePools } from '../../src/store/create-store';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { tempDir, writeJson } from '../support/processes';
import { adminStore, pgTenant } from '../support/worker-fixtures';

let db: TestDatabase;
let dir: string;
let config: string;
let store: QueueStore;
let pools: StorePools;

async function tqw(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main([...args, '--config', config], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    cwd: dir,
    logDestination: () => new Writable({ write: (_c, _e, cb) => cb() }),
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  db = await createTestDatabase('tqw_cli_flow');
  dir = tempDir('cli-flow');
  mkdirSync(join(dir, 'handlers'));
  writeJson(join(dir, 'tenants.json'), [{ id: 'a', connectionString: db.url, schema: 'tenant_a' }]);
  config = writeJson(join(dir, 'config.json'), { handlers: { dir: './handlers' }, tenants: { file: './tenants.json', watch: false } });
  expect((await tqw('migrate')).code).toBe(0);
  ({ store, pools } = adminStore(pgTenant('a', db.url, 'tenant_a')));
});

afterAll(async () => {
  await pools?.closeAll();
  await db?.drop();
});

describe('error history', () => {
  it('tqw show prints a message with every failed attempt; dead-letters list prints the history of each dead letter', async () => {
    const id = await store.enqueue({ tenantId: 'a', messageType: 'Flaky', payload: { n: 1 } });
    const first = (await store.claim({ limit: 1, leaseMs: 60_000 }))[0]!;
    expect(
      await store.retry(first, {
        delayMs: 0,
        error: 'attempt 1 of 2 failed: timeout talking to postgres://u:s3cret@h/db',
        code: 'ETIMEDOUT',
      }),
    ).toBe(true);
    const second = (await store.claim({ limit: 1, leaseMs: 60_000 }))[0]!;
    expect(await store.deadLetter(second, 'dead-lettered after 2 of 2 attempts', 'TQW_HANDLER_TIMEOUT')).toBe(true);

    const shown = await tqw('show', '--tenant', 'a', '--id', id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`message     ${id} (tenant a, "tenant_a"."QueueMessages")`);
    expect(shown.stdout).toContain('status      DeadLetter, attempts 2');
    expect(shown.stdout).toMatch(
      /^ {2}attempt 1 at \S+ \[ETIMEDOUT\]: attempt 1 of 2 failed: timeout talking to postgres:\/\/u:\*\*\*@h\/db$/m,
    );
    expect(shown.stdout).toMatch(/^ {2}attempt 2 at \S+ \[TQW_HANDLER_TIMEOUT\]: dead-lettered after 2 of 2 attempts$/m);
    expect(shown.stdout).not.toContain('s3cret');

    const json = JSON.parse((await tqw('show', '--tenant', 'a', '--id', id, '--json')).stdout) as {
      message: { status: string; payloadBytes: number };
      errors: Array<{ attempt: number; code: string; error: string }>;
    };
    expect(json.message).toMatchObject({ status: 'DeadLetter', payloadBytes: 7 });
    expect(json.errors.map((e) => [e.attempt, e.code])).toEqual([
      [1, 'ETIMEDOUT'],
      [2, 'TQW_HANDLER_TIMEOUT'],
    ]);

    const listed = await tqw('dead-letters', 'list', '--tenant', 'a');
    expect(listed.stdout).toContain(`${id} error history:\n  attempt 1 at `);
    const listedJson = JSON.parse((await tqw('dead-letters', 'list', '--tenant', 'a', '--json')).stdout) as {
      messages: Array<{ id: string; errors: unknown[] }>;
    };
    expect(listedJson.messages.find((m) => m.id === id)?.errors).toHaveLength(2);

    const missing = await tqw('show', '--tenant', 'a', '--id', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no message 00000000-0000-4000-8000-000000000000 in the table of tenant a');
  });
});

describe('routing by type', () => {
  it('tqw stats lists waiting messages by type (human and --json)', async () => {
    await store.enqueue({ tenantId: 'a', messageType: 'Report', payload: {} });
    await store.enqueue({ tenantId: 'a', messageType: 'Report', payload: {} });
    const human = await tqw('stats');
    expect(human.stdout).toMatch(/^TENANT\s+TYPE\s+WAITING$/m);
    expect(human.stdout).toMatch(/^a\s+Report\s+2$/m);
    const json = JSON.parse((await tqw('stats', '--json')).stdout) as { tenants: Array<{ waitingByType: Record<string, number> }> };
    expect(json.tenants[0]!.waitingByType).toMatchObject({ Report: 2 });
  });
});

describe('priorities', () => {
  it('tqw enqueue --priority N stores it (also negative, as --priority=-N) and --json reports it; a non-integer is a usage error', async () => {
    const r = await tqw('enqueue', '--tenant', 'a', '--type', 'Urgent', '--payload', '{}', '--priority', '7', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { id: string; priority: number };
    expect(out.priority).toBe(7);
    expect((await store.getMessage(out.id))?.priority).toBe(7);
    const low = await tqw('enqueue', '--tenant', 'a', '--type', 'Later', '--payload', '{}', '--priority=-3');
    expect((await store.getMessage(low.stdout.trim()))?.priority).toBe(-3);
    const bad = await tqw('enqueue', '--tenant', 'a', '--type', 'X', '--payload', '{}', '--priority', '1.5');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--priority must be an integer');
  });
});

describe('dedupe keys', () => {
  it('tqw enqueue --dedupe-key K returns the existing message id and says so; --json reports deduplicated', async () => {
    const first = await tqw('enqueue', '--tenant', 'a', '--type', 'Invoice', '--payload', '{}', '--dedupe-key', 'inv-1');
    expect([first.code, first.stderr]).toEqual([0, '']);
    const id = first.stdout.trim();
    const second = await tqw('enqueue', '--tenant', 'a', '--type', 'Invoice', '--payload', '{}', '--dedupe-key', 'inv-1');
    expect(second.stdout.trim()).toBe(id);
    expect(second.stderr).toContain(`dedupe key 'inv-1' is held by message ${id}`);
    const json = JSON.parse(
      (await tqw('enqueue', '--tenant', 'a', '--type', 'Invoice', '--payload', '{}', '--dedupe-key', 'inv-1', '--json')).stdout,
    ) as {
      id: string;
      deduplicated: boolean;
    };
    expect(json).toMatchObject({ id, deduplicated: true });
  });
});

describe('pause and resume', () => {
  it('tqw pause / resume switch a tenant or one type for every worker; stats shows PAUSED; --json reports the state', async () => {
    const paused = await tqw('pause', '--tenant', 'a', '--type', 'SendEmail');
    expect([paused.code, paused.stderr]).toEqual([0, '']);
    expect(paused.stdout).toBe('paused: message type SendEmail of tenant a\nnow paused: types SendEmail\n');
    expect((await tqw('pause', '--tenant', 'a', '--type', 'SendEmail')).stdout).toContain('already paused: message type SendEmail');
    const whole = JSON.parse((await tqw('pause', '--tenant', 'a', '--json')).stdout) as unknown;
    expect(whole).toEqual({ tenant: 'a', type: null, action: 'pause', changed: true, paused: { all: true, types: ['SendEmail'] } });
    expect(await store.pauseState()).toEqual({ all: true, types: ['SendEmail'] });
    expect(await store.claim({ limit: 10, leaseMs: 60_000 })).toEqual([]);

    const stats = await tqw('stats', '--tenant', 'a');
    expect(stats.stdout).toMatch(/PAUSED\n/);
    expect(stats.stdout).toMatch(/^a .* all,SendEmail$/m);
    const statsJson = JSON.parse((await tqw('stats', '--tenant', 'a', '--json')).stdout) as { tenants: Array<{ paused: unknown }> };
    expect(statsJson.tenants[0]?.paused).toEqual({ all: true, types: ['SendEmail'] });

    expect((await tqw('resume', '--tenant', 'a')).stdout).toBe('resumed: tenant a\nnow paused: types SendEmail\n');
    const back = JSON.parse((await tqw('resume', '--tenant', 'a', '--type', 'SendEmail', '--json')).stdout) as unknown;
    expect(back).toEqual({ tenant: 'a', type: 'SendEmail', action: 'resume', changed: true, paused: { all: false, types: [] } });
    expect((await tqw('resume', '--tenant', 'a')).stdout).toContain('already not paused: tenant a');
    expect((await tqw('stats', '--tenant', 'a')).stdout).toMatch(/^a .* -$/m);
  });

  it('usage errors: --tenant is required, an empty --type is refused, an unknown tenant is named', async () => {
    const missing = await tqw('pause');
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('--tenant');
    const empty = await tqw('pause', '--tenant', 'a', '--type', ' ');
    expect(empty.code).toBe(64);
    expect(empty.stderr).toContain('--type needs a message type');
    const unknown = await tqw('resume', '--tenant', 'nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('nope');
    expect(await store.pauseState()).toEqual({ all: false, types: [] });
  });
});
