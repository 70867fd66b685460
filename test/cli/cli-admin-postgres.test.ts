/**
 * The admin commands as an operator runs them: `node bin/tqw.js ...` child processes against a real
 * PostgreSQL (a fresh database from createTestDatabase), two schema-per-tenant tenants plus one that
 * is unreachable. Checks exit codes, outputs, the rows in the database, and that no password appears
 * in any output. Needs `npm run build` first.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { runCli, tempDir, writeJson, type CliResult } from '../support/processes';

const UNREACHABLE_PW = 'Unreachable-Secret-9';

let db: TestDatabase;
let client: Client;
let dir: string;
let config: string;
let configWithDown: string;
let secrets: string[];
const outputs: CliResult[] = [];

async function tqw(args: string[], configFile = config): Promise<CliResult> {
  const r = await runCli([...args, '--config', configFile]);
  outputs.push(r);
  return r;
}

async function rows(schema: string): Promise<Array<Record<string, unknown>>> {
  return (await client.query(`SELECT * FROM "${schema}"."QueueMessages" ORDER BY "CreatedAt", "Id"`)).rows as Array<
    Record<string, unknown>
  >;
}

beforeAll(async () => {
  db = await createTestDatabase('tqw_cli');
  client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query('CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; CREATE SCHEMA never_migrated');
  secrets = [decodeURIComponent(new URL(db.url).password), UNREACHABLE_PW].filter((s) => s !== '');

  dir = tempDir('cli-admin');
  mkdirSync(join(dir, 'handlers'));
  writeFileSync(join(dir, 'handlers', 'product.js'), "module.exports = { type: 'ProductUpdate', handle() {} };\n");
  const tenants = [
    { id: 'a', connectionString: db.url, schema: 'tenant_a' },
    { id: 'b', connectionString: db.url, schema: 'tenant_b' },
  ];
  writeJson(join(dir, 'tenants.json'), tenants);
  writeJson(join(dir, 'tenants-with-down.json'), [
    ...tenants,
    { id: 'down', connectionString: `postgres://worker:${UNREACHABLE_PW}@127.0.0.1:1/nodb` },
  ]);
  const base = { handlers: { dir: './handlers' }, db: { connectTimeoutMs: 3000 } };
  config = writeJson(join(dir, 'config.json'), { ...base, tenants: { file: './tenants.json', watch: false } });
  configWithDown = writeJson(join(dir, 'config-down.json'), { ...base, tenants: { file: './tenants-with-down.json', watch: false } });
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('tqw admin commands against PostgreSQL', () => {
  it('check fails before migrate (no table), naming the tenant', async () => {
    const r = await tqw(['check', '--tenant', 'a']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/tenant a\s+FAILED\s+.*QueueMessages/);
    expect(r.stdout).toMatch(/handlers\s+ok\s+1 message type\(s\) from .*: ProductUpdate/);
  });

  it('migrate creates the table in every tenant and is idempotent: a repeated migrate says "up to date"', async () => {
    const first = await tqw(['migrate']);
    expect(first.code).toBe(0);
    const count = POSTGRES_MIGRATIONS.length;
    expect(first.stdout).toMatch(
      new RegExp(`^a\\s+postgres\\s+migrated "tenant_a"\\."QueueMessages" \\(${count} migration\\(s\\) applied\\)$`, 'm'),
    );
    expect(first.stdout).toMatch(/^b\s+postgres\s+migrated "tenant_b"\."QueueMessages"/m);
    expect(first.stdout).toContain('2 tenant(s): 2 migrated\n');
    const again = await tqw(['migrate']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^a\s+postgres\s+up to date "tenant_a"\."QueueMessages" \(nothing to apply\)$/m);
    expect(again.stdout).not.toContain('migrated');
    expect(again.stdout).toContain('2 tenant(s): 2 already up to date\n');
    const json = await tqw(['migrate', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      tenants: [
        { tenant: 'a', store: 'postgres', table: '"tenant_a"."QueueMessages"', applied: [], ok: true },
        { tenant: 'b', store: 'postgres', table: '"tenant_b"."QueueMessages"', applied: [], ok: true },
      ],
    });
    expect(await rows('tenant_a')).toEqual([]);
  });

  it('migrate with an unreachable tenant migrates the others and exits 1', async () => {
    const r = await tqw(['migrate'], configWithDown);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^a\s+postgres\s+up to date/m);
    expect(r.stdout).toMatch(/^down\s+postgres\s+FAILED: .*ECONNREFUSED/m);
    expect(r.stdout).toContain('3 tenant(s): 2 already up to date, 1 failed\n');
  });

  it('enqueue inserts a Pending row with the delay, correlation id and payload, and prints its id', async () => {
    const correlationId = randomUUID();
    const r = await tqw([
      'enqueue',
      '--tenant',
      'a',
      '--type',
      'ProductUpdate',
      '--payload',
      '{"productId": 7}',
      '--delay',
      '2m',
      '--correlation-id',
      correlationId,
    ]);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [row] = await rows('tenant_a');
    expect(row).toMatchObject({
      Id: id,
      TenantId: 'a',
      MessageType: 'ProductUpdate',
      Status: 'Pending',
      ProcessingAttempts: 0,
      CorrelationId: correlationId,
    });
    expect(JSON.parse(row.Payload as string)).toEqual({ productId: 7 });
    const delaySeconds = ((row.ScheduledTime as Date).getTime() - (row.CreatedAt as Date).getTime()) / 1000;
    expect(delaySeconds).toBeCloseTo(120, 0);
    expect(await rows('tenant_b')).toEqual([]);
  });

  it('enqueue reads @file payloads, takes --id, stores --raw payloads as is, and prints JSON with --json', async () => {
    const payloadFile = join(dir, 'payload.json');
    writeFileSync(payloadFile, '{ "from": "file" }');
    const id = randomUUID();
    const r = await tqw(['enqueue', '--tenant', 'b', '--type', 'FromFile', '--payload', `@${payloadFile}`, '--id', id, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      id,
      tenant: 'b',
      type: 'FromFile',
      delayMs: 0,
      correlationId: null,
      priority: null,
      dedupeKey: null,
      deduplicated: false,
    });
    const raw = await tqw(['enqueue', '--tenant', 'b', '--type', 'Raw', '--payload', 'not json at all', '--raw']);
    expect(raw.code).toBe(0);
    const stored = await rows('tenant_b');
    expect(stored.map((row) => [row.MessageType, row.Payload])).toEqual([
      ['FromFile', '{ "from": "file" }'],
      ['Raw', 'not json at all'],
    ]);
  });

  it('enqueue --payload @- reads stdin (in-process main())', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['enqueue', '--tenant', 'b', '--type', 'FromStdin', '--payload', '@-', '--config', config], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: {},
      cwd: dir,
      logDestination: () => new Writable({ write: (_c, _e, cb) => cb() }),
      readStdin: async () => '{"from": "stdin"}',
    });
    expect([code, stderr]).toEqual([0, '']);
    const row = (await rows('tenant_b')).find((r) => r.Id === stdout.trim());
    expect(row).toMatchObject({ MessageType: 'FromStdin', Payload: '{"from": "stdin"}' });
    await client.query(`DELETE FROM "tenant_b"."QueueMessages" WHERE "MessageType" = 'FromStdin'`);
  });

  it('enqueue to an unknown tenant is a usage error listing the tenants', async () => {
    const r = await tqw(['enqueue', '--tenant', 'nope', '--type', 'T', '--payload', '{}']);
    expect(r.code).toBe(64);
    expect(r.stderr.split('\n')[0]).toBe(`tqw: tenant 'nope' is not in ${join(dir, 'tenants.json')} (tenants: a, b)`);
  });

  it('enqueue refuses a payload over worker.maxPayloadBytes, naming the tenant and the limit, and inserts nothing', async () => {
    const before = (await rows('tenant_b')).length;
    const r = await runCli(
      ['enqueue', '--tenant', 'b', '--type', 'Big', '--payload', JSON.stringify({ s: 'x'.repeat(60) }), '--config', config],
      {
        TQW_MAX_PAYLOAD_BYTES: '50',
      },
    );
    expect(r.code).toBe(64);
    expect(r.stderr.split('\n')[0]).toBe(
      "tqw: --payload for tenant 'b': payload of message type 'Big' is 68 bytes, over the limit of 50 (worker.maxPayloadBytes): " +
        'store large data in a table or blob store and send its key, or raise worker.maxPayloadBytes on the producers and workers',
    );
    expect((await rows('tenant_b')).length).toBe(before);
  });

  it('enqueue errors name the tenant and its table (here: a schema never migrated)', async () => {
    const tenantsFile = writeJson(join(dir, 'tenants-unmigrated.json'), [
      { id: 'fresh', connectionString: db.url, schema: 'never_migrated' },
    ]);
    const unmigrated = writeJson(join(dir, 'config-unmigrated.json'), {
      handlers: { dir: './handlers' },
      tenants: { file: tenantsFile, watch: false },
    });
    const r = await tqw(['enqueue', '--tenant', 'fresh', '--type', 'T', '--payload', '{}'], unmigrated);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tqw: tenant 'fresh' \("never_migrated"\."QueueMessages", postgres:\/\/.*\): .*relation "never_migrated\.QueueMessages" does not exist/m,
    );
  });

  it('stats counts by status per tenant', async () => {
    await client.query(`UPDATE "tenant_b"."QueueMessages" SET "Status" = 'Completed' WHERE "MessageType" = 'Raw'`);
    const r = await tqw(['stats', '--json']);
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.stdout) as {
      ok: boolean;
      tenants: Array<{ tenant: string; counts: Record<string, number>; oldestDueAgeSeconds: number | null }>;
    };
    expect(stats.ok).toBe(true);
    expect(stats.tenants.map((t) => [t.tenant, t.counts])).toEqual([
      ['a', { Pending: 1, Processing: 0, Completed: 0, Failed: 0, DeadLetter: 0 }],
      ['b', { Pending: 1, Processing: 0, Completed: 1, Failed: 0, DeadLetter: 0 }],
    ]);
    // a's only message is due in 2 minutes (nothing due); b's FromFile message is due now.
    expect(stats.tenants[0].oldestDueAgeSeconds).toBeNull();
    expect(stats.tenants[1].oldestDueAgeSeconds).toEqual(expect.any(Number));
    const table = await tqw(['stats']);
    expect(table.stdout).toMatch(/^TENANT\s+PENDING\s+PROCESSING\s+FAILED\s+DEAD_LETTER\s+COMPLETED\s+OLDEST_DUE\s+PAUSED$/m);
    expect(table.stdout).toMatch(/^a\s+1\s+0\s+0\s+0\s+0\s+-\s+-$/m);
    expect(table.stdout).toMatch(/^b\s+1\s+0\s+0\s+0\s+1\s+\d+s\s+-$/m);
  });

  it('stats with an unreachable tenant reports it and exits 1', async () => {
    const r = await tqw(['stats'], configWithDown);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^down\s+ERROR(\s+-){6}$/m);
    expect(r.stdout).toMatch(/^down: ERROR: connect ECONNREFUSED/m);
    expect(r.stdout).toMatch(/^a\s+1\s+/m);
  });

  it('dead-letters list and requeue (by id and --all), logged on stderr', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await tqw(['enqueue', '--tenant', 'a', '--type', 'Poison', '--payload', `{"n": ${i}}`]);
      ids.push(r.stdout.trim());
    }
    await client.query(
      `UPDATE "tenant_a"."QueueMessages" SET "Status" = 'DeadLetter', "ProcessingAttempts" = 5,
         "LastAttemptTime" = now() - ("Payload"::json->>'n')::int * interval '1 minute',
         "ErrorMessage" = 'boom: postgres://x:leaked-in-row@h/db'
       WHERE "MessageType" = 'Poison'`,
    );

    const list = await tqw(['dead-letters', 'list', '--tenant', 'a', '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as {
      count: number;
      messages: Array<{ id: string; processingAttempts: number; errorMessage: string }>;
    };
    expect(listed.count).toBe(3);
    expect(listed.messages.map((m) => m.id)).toEqual(ids); // newest last attempt first
    expect(listed.messages[0]).toMatchObject({ processingAttempts: 5, errorMessage: 'boom: postgres://x:***@h/db' });

    const limited = await tqw(['dead-letters', 'list', '--tenant', 'a', '--limit', '2']);
    expect(limited.stdout).toMatch(/^ID\s+TYPE\s+ATTEMPTS\s+LAST_ATTEMPT\s+ERROR$/m);
    expect(limited.stdout).toContain(ids[0]);
    expect(limited.stdout).toContain(ids[1]);
    expect(limited.stdout).not.toContain(ids[2]);
    expect(limited.stdout).toContain('2 dead letter(s) of tenant a (limit 2; use --limit for more)');

    const missing = randomUUID();
    const one = await tqw(['dead-letters', 'requeue', '--tenant', 'a', '--id', ids[1], '--id', missing]);
    // The id that names no message is an error (exit 1), reported with the reason; the other is requeued.
    expect(one.code).toBe(1);
    expect(one.stdout).toBe('requeued 1 dead letter(s) of tenant a\n');
    expect(one.stderr).toContain(`tqw: not requeued: ${missing} (tenant a): no message with this id in "tenant_a"."QueueMessages"`);
    const log = one.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log).toEqual([expect.objectContaining({ level: 'info', service: 'tqw', tenant: 'a', requeued: 1, ids: [ids[1], missing] })]);
    // Requeueing it again: it is Pending now, not DeadLetter.
    const again = await tqw(['dead-letters', 'requeue', '--tenant', 'a', '--id', ids[1]]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('requeued 0 dead letter(s) of tenant a\n');
    expect(again.stderr).toContain(`tqw: not requeued: ${ids[1]} (tenant a): it is Pending, not DeadLetter`);
    const requeued = (await rows('tenant_a')).find((row) => row.Id === ids[1]);
    expect(requeued).toMatchObject({ Status: 'Pending', ProcessingAttempts: 0 });

    const all = await tqw(['dead-letters', 'requeue', '--tenant', 'a', '--all', '--json']);
    expect(JSON.parse(all.stdout)).toEqual({ tenant: 'a', requeued: 2, requested: 'all', refused: [] });
    const statuses = (await rows('tenant_a')).filter((row) => row.MessageType === 'Poison').map((row) => row.Status);
    expect(statuses).toEqual(['Pending', 'Pending', 'Pending']);
  });

  it('check passes after migrate, and fails for an unreachable tenant or a bad handler module', async () => {
    const ok = await tqw(['check', '--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as { ok: boolean; checks: Array<{ check: string; ok: boolean; detail: string }> };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.check)).toEqual(['config', 'tenants file', 'handlers', 'tenant a', 'tenant b']);
    expect(report.checks[3].detail).toMatch(/^"tenant_a"\."QueueMessages" reachable \(postgres:\/\/.*\); pending 4/);

    const down = await tqw(['check'], configWithDown);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^tenant down\s+FAILED\s+.*ECONNREFUSED/m);
    expect(down.stdout).toContain('1 check(s) failed');

    writeFileSync(join(dir, 'handlers', 'broken.js'), "throw new Error('cannot load');\n");
    const broken = await tqw(['check']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^handlers\s+FAILED\s+.*broken\.js threw while loading: cannot load/m);
  });

  it('no output of any command contains a password', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const r of outputs) {
      for (const secret of [...secrets, 'leaked-in-row']) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    }
  });
});
