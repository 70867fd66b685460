/**
 * The console's JSON API against real stores of one dialect (PostgreSQL, SQL Server): auth, CSRF,
 * read-only, fencing, keyset pagination over 100,000 rows, many tenants with one down, bulk dead
 * letters across tenants. Run by console-api-postgres.test.ts and console-api-sqlserver.test.ts.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ConsoleTenant } from '../../src/console/console-source';
import { startConsoleServer, type ConsoleHandle } from '../../src/console/console-server';
import { storeErrorHistory } from '../../src/console/store-error-history';
import { storeFlowControl } from '../../src/console/store-flow-control';
import type { QueueStore } from '../../src/store/types';
import type { StoreContractFixture } from '../store/store-contract';

export interface ConsoleApiFixture extends StoreContractFixture {
  tenantOf(store: QueueStore): ConsoleTenant['tenant'];
  /** Inserts `count` Completed rows of type 'bulk' into the store's table. */
  bulkInsert(store: QueueStore, count: number): Promise<void>;
  /** Small tenants besides the big one and the broken one (Babelfish plans the group statements slowly). */
  smallTenants: number;
  /** Whether the fencing test also checks a message held by a real claim of the store (besides a held row). */
  realClaim: boolean;
  /** Timeout of each test. */
  testTimeoutMs: number;
}

const TOKEN = 'console-test-token-0123456789abcdef';

export function describeConsoleApi(name: string, fx: ConsoleApiFixture, options: { skip?: string } = {}): void {
  const d = options.skip ? describe.skip : describe;
  d(`console API (${name})`, () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const tenants: ConsoleTenant[] = [];
    const servers: ConsoleHandle[] = [];
    let main: ConsoleHandle;
    let base: string;
    const password = (): string => {
      const cs = tenants[0]!.tenant.connectionString;
      return /Password=([^;]+)/i.exec(cs)?.[1] ?? new URL(cs).password;
    };

    /** A console over `tenants`; `flow` false: a source without flow control (pause/resume answer 501). */
    async function start(readOnly: boolean, flow = true): Promise<ConsoleHandle> {
      const secrets = tenants.map((t) => t.tenant.connectionString);
      const handle = await startConsoleServer(
        { tenants: () => tenants, errorHistory: storeErrorHistory, ...(flow ? { flowControl: storeFlowControl() } : {}) },
        {
          host: '127.0.0.1',
          port: 0,
          token: TOKEN,
          readOnly,
          leaseMs: 60_000,
          refreshMs: 60_000,
          logger,
          redact: (text) =>
            secrets
              .reduce((t, s) => t.split(s).join('***'), text)
              .split(password())
              .join('***'),
        },
      );
      servers.push(handle);
      await handle.fleet.refresh();
      return handle;
    }
    const testCase = (title: string, fn: () => Promise<void>, timeoutMs = fx.testTimeoutMs) => test(title, fn, timeoutMs);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const get = (path: string, headers: Record<string, string> = auth, at = base) => fetch(`${at}${path}`, { headers });
    const post = (path: string, body: unknown = {}, headers: Record<string, string> = auth, at = base) =>
      fetch(`${at}${path}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const store = (i: number) => tenants[i]!.store;
    const tenantId = (i: number) => tenants[i]!.tenant.id;

    async function add(id: string, migrate = true): Promise<QueueStore> {
      // One pool for all (as tenants of one database share one in the daemon).
      const s = await fx.makeStore(id, { migrate, sharePoolsWith: tenants[0]?.store });
      tenants.push({ tenant: fx.tenantOf(s), store: s });
      return s;
    }
    async function deadLetter(s: QueueStore, type: string, error: string): Promise<string> {
      const id = randomUUID();
      await fx.insertRawRow(s, {
        id,
        tenantId: s.tenantId,
        messageType: type,
        payload: '{"n":1}',
        status: 'DeadLetter',
        processingAttempts: 5,
        errorMessage: error,
        lastAttemptOffsetMs: -1000,
      });
      return id;
    }

    beforeAll(async () => {
      await fx.setup();
      // tenant 0: the big table; 1..40: small tenants; 41: down (its table was never created).
      await add('big');
      for (let i = 1; i <= fx.smallTenants; i++) await add(`tenant-${String(i).padStart(3, '0')}`, true);
      await add('broken', false);
      main = await start(false);
      base = `http://127.0.0.1:${main.port}`;
    }, 600_000);
    afterAll(async () => {
      await Promise.allSettled(servers.map((s) => s.close()));
      await fx.afterEachTest();
      // Dropping the test database is cleanup, not something these tests prove: a server that refuses
      // it (Babelfish has no ALTER DATABASE ... SINGLE_USER) leaves it behind, with a warning.
      await fx.teardown().catch((err: unknown) => console.warn(`console API (${name}): test database not dropped: ${String(err)}`));
    }, 120_000);

    testCase('every /api request needs the token: 401 without it or with a wrong one, and no secret in any answer', async () => {
      expect((await get('/api/tenants', {})).status).toBe(401);
      const wrong = await get('/api/tenants', { Authorization: `Bearer ${TOKEN}x` });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
      expect((await get('/api/tenants', { Authorization: 'Basic abc' })).status).toBe(401);
      expect((await post(`/api/tenants/big/messages/${randomUUID()}/requeue`, {}, {})).status).toBe(401);
      const ok = await get('/api/tenants?limit=1000');
      expect(ok.status).toBe(200);
      const text = await ok.text();
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(password());
      for (const t of tenants) expect(text).not.toContain(t.tenant.connectionString);
    });

    testCase('many tenants: the fleet lists each with its counts; a tenant whose table is missing is down, the others up', async () => {
      const s = store(1);
      await deadLetter(s, 'mail', 'smtp refused');
      await main.fleet.refresh();
      const body = (await (await get('/api/tenants?limit=1000')).json()) as {
        total: number;
        totals: { tenants: number; down: number };
        tenants: Array<{ id: string; state: string; counts: Record<string, number> | null; error: string | null; paused: boolean | null }>;
      };
      const n = fx.smallTenants + 2;
      expect(body.total).toBe(n);
      expect(body.totals.down).toBe(1);
      const byId = new Map(body.tenants.map((t) => [t.id, t]));
      expect(byId.get('broken')).toMatchObject({ state: 'down', counts: null });
      expect(byId.get('broken')!.error).toEqual(expect.any(String));
      expect(byId.get('broken')!.error).not.toContain(password());
      expect(byId.get(tenantId(1))).toMatchObject({
        state: 'up',
        paused: false,
        counts: { Pending: 0, Processing: 0, Failed: 0, DeadLetter: 1 },
      });
      expect(body.tenants.filter((t) => t.state === 'up')).toHaveLength(n - 1);
      // filter, sort, paginate
      const page = (await (await get('/api/tenants?q=tenant-0&sort=id&order=desc&limit=3&offset=2')).json()) as {
        total: number;
        tenants: Array<{ id: string }>;
      };
      expect(page.total).toBe(fx.smallTenants);
      const ids = (k: number) => `tenant-${String(fx.smallTenants - k).padStart(3, '0')}`;
      expect(page.tenants.map((t) => t.id)).toEqual([ids(2), ids(3), ids(4)]);
      const down = (await (await get('/api/tenants?state=down')).json()) as { tenants: Array<{ id: string }> };
      expect(down.tenants.map((t) => t.id)).toEqual(['broken']);
      const sorted = (await (await get('/api/tenants?sort=deadLetter&order=desc&limit=1')).json()) as { tenants: Array<{ id: string }> };
      expect(sorted.tenants[0]!.id).toBe(tenantId(1));
    });

    testCase('sign-in sets an HttpOnly SameSite=Strict cookie; with it, reads work and every POST needs the CSRF header', async () => {
      const wrong = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }), redirect: 'manual' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();
      const res = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
      expect(res.status).toBe(303);
      const setCookie = res.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      const cookie = setCookie.split(';')[0]!;
      const session = (await (await get('/api/session', { cookie })).json()) as { csrf: string; readOnly: boolean };
      expect(session.csrf).toMatch(/^[0-9a-f]{64}$/);
      expect(session.readOnly).toBe(false);
      const id = await deadLetter(store(2), 'mail', 'x');
      const path = `/api/tenants/${tenantId(2)}/messages/${id}/requeue`;
      const noCsrf = await post(path, {}, { cookie });
      expect(noCsrf.status).toBe(403);
      expect(((await noCsrf.json()) as { code: string }).code).toBe('TQW_CONSOLE_CSRF');
      expect((await post(path, {}, { cookie, 'X-CSRF-Token': 'f'.repeat(64) })).status).toBe(403);
      expect((await store(2).getMessage(id))!.status).toBe('DeadLetter');
      const ok = await post(path, {}, { cookie, 'X-CSRF-Token': session.csrf });
      expect(ok.status).toBe(200);
      expect((await store(2).getMessage(id))!.status).toBe('Pending');
      // GET never changes state: an action by GET is not a route.
      expect((await get(path, { cookie })).status).toBe(404);
    });

    testCase(
      'requeue and delete are fenced: a message a worker holds (Processing, its lease running) is never touched (409), a dead letter is',
      async () => {
        const s = store(3);
        // The row exactly as a claim leaves it: Processing, DequeueTime = now, attempt counted.
        const held = randomUUID();
        await fx.insertRawRow(s, {
          id: held,
          tenantId: s.tenantId,
          messageType: 'work',
          payload: '{}',
          status: 'Processing',
          processingAttempts: 1,
          dequeueOffsetMs: 0,
          lastAttemptOffsetMs: 0,
        });
        const before = (await s.getMessage(held))!;
        for (const action of ['requeue', 'delete']) {
          const res = await post(`/api/tenants/${s.tenantId}/messages/${held}/${action}`);
          expect(res.status).toBe(409);
          expect(await res.json()).toMatchObject({ status: 'Processing' });
        }
        expect(await s.getMessage(held)).toEqual(before);
        if (fx.realClaim) {
          const claimedId = await s.enqueue({ tenantId: s.tenantId, messageType: 'work', payload: {} });
          const claims = await s.claim({ limit: 10, leaseMs: 60_000 });
          const claim = claims.find((c) => c.id === claimedId)!;
          expect((await post(`/api/tenants/${s.tenantId}/messages/${claimedId}/requeue`)).status).toBe(409);
          const after = (await s.getMessage(claimedId))!;
          expect(after).toMatchObject({ status: 'Processing', processingAttempts: claim.processingAttempts });
          expect(after.dequeueTime!.getTime()).toBe(claim.dequeueTime.getTime());
          expect(await s.complete(claim)).toBe(true); // the worker's fence still holds
          expect((await post(`/api/tenants/${s.tenantId}/messages/${claimedId}/requeue`)).status).toBe(409); // Completed
        }

        const dead = await deadLetter(s, 'work', 'boom');
        expect((await post(`/api/tenants/${s.tenantId}/messages/${dead}/requeue`)).status).toBe(200);
        expect(await s.getMessage(dead)).toMatchObject({ status: 'Pending', processingAttempts: 0, errorMessage: null });
        expect((await post(`/api/tenants/${s.tenantId}/messages/${dead}/delete`)).status).toBe(200);
        expect(await s.getMessage(dead)).toBeNull();
        expect((await post(`/api/tenants/${s.tenantId}/messages/${dead}/delete`)).status).toBe(404);
        expect((await post(`/api/tenants/${s.tenantId}/messages/not-a-uuid/delete`)).status).toBe(400);
        const audit = lines.filter((l) => l.audit === true && l.action === 'message.delete' && l.count === 1);
        expect(audit.at(-1)).toMatchObject({ tenant: s.tenantId, ids: [dead], client: expect.stringMatching(/127\.0\.0\.1/) });
      },
    );

    testCase('read-only: every action answers 403 and changes nothing; reads still work', async () => {
      const ro = await start(true);
      const at = `http://127.0.0.1:${ro.port}`;
      const s = store(4);
      const dead = await deadLetter(s, 'mail', 'x');
      const paths = [
        `/api/tenants/${s.tenantId}/messages/${dead}/requeue`,
        `/api/tenants/${s.tenantId}/messages/${dead}/delete`,
        '/api/dead-letters/requeue',
        '/api/dead-letters/delete',
        `/api/tenants/${s.tenantId}/pause`,
        `/api/tenants/${s.tenantId}/resume`,
      ];
      for (const p of paths) {
        const res = await post(p, {}, auth, at);
        expect({ p, status: res.status }).toEqual({ p, status: 403 });
        expect(((await res.json()) as { code: string }).code).toBe('TQW_CONSOLE_READ_ONLY');
      }
      expect((await s.getMessage(dead))!.status).toBe('DeadLetter');
      expect((await get(`/api/tenants/${s.tenantId}/messages/${dead}`, auth, at)).status).toBe(200);
      expect(lines.filter((l) => l.outcome === 'refused').length).toBeGreaterThanOrEqual(paths.length);
    });

    testCase('message detail: every column and the whole payload, and its error history (every failed attempt, redacted)', async () => {
      const s = store(5);
      const id = await deadLetter(s, 'mail', `failed with ${password()} inside`);
      const body = (await (await get(`/api/tenants/${s.tenantId}/messages/${id}`)).json()) as {
        message: Record<string, unknown>;
        errors: unknown;
        note?: string;
      };
      expect(body.message).toMatchObject({
        id,
        tenantId: s.tenantId,
        messageType: 'mail',
        status: 'DeadLetter',
        payload: '{"n":1}',
        processingAttempts: 5,
      });
      expect(body.message.errorMessage).toBe('failed with *** inside');
      // A row written by hand records no attempts; the store's error history is wired, so no note.
      expect(body.errors).toEqual([]);
      expect(body.note).toBeUndefined();
      // A message that failed through the store: its attempt is listed with the database time, redacted.
      const failing = await s.enqueue({ tenantId: s.tenantId, messageType: 'history-probe', payload: {} });
      const [claimed] = await s.claim({ limit: 1, leaseMs: 60_000, types: ['history-probe'] });
      expect(claimed?.id).toBe(failing);
      if (claimed === undefined) return;
      expect(await s.deadLetter(claimed, `probe failed with ${password()}`, 'PROBE')).toBe(true);
      const failed = (await (await get(`/api/tenants/${s.tenantId}/messages/${failing}`)).json()) as {
        errors: Array<{ attempt: number; at: string; error: string }>;
      };
      expect(failed.errors).toEqual([{ attempt: 1, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), error: 'probe failed with ***' }]);
      expect((await get(`/api/tenants/${s.tenantId}/messages/${randomUUID()}`)).status).toBe(404);
      expect((await get(`/api/tenants/nobody/messages/${id}`)).status).toBe(404);
    });

    testCase(
      "pause and resume write the tenant's switches (every worker honours them); the fleet shows them; each is audited",
      async () => {
        const s = store(6);
        const mail = await s.enqueue({ tenantId: s.tenantId, messageType: 'pause-probe', payload: {} });
        expect((await post(`/api/tenants/${s.tenantId}/pause`, { type: 'pause-probe' })).status).toBe(200);
        expect(await s.pauseState()).toEqual({ all: false, types: ['pause-probe'] });
        expect(await s.claim({ limit: 5, leaseMs: 60_000, types: ['pause-probe'] })).toEqual([]);
        expect((await post(`/api/tenants/${s.tenantId}/pause`, {})).status).toBe(200);
        await main.fleet.refresh();
        const fleet = (await (await get('/api/tenants?limit=1000')).json()) as {
          tenants: Array<{ id: string; paused: unknown; pausedTypes: unknown }>;
        };
        expect(fleet.tenants.find((t) => t.id === s.tenantId)).toMatchObject({ paused: true, pausedTypes: ['pause-probe'] });
        expect((await post(`/api/tenants/${s.tenantId}/resume`, {})).status).toBe(200);
        expect((await post(`/api/tenants/${s.tenantId}/resume`, { type: 'pause-probe' })).status).toBe(200);
        expect(await s.pauseState()).toEqual({ all: false, types: [] });
        expect((await s.claim({ limit: 5, leaseMs: 60_000, types: ['pause-probe'] })).map((m) => m.id)).toEqual([mail]);
        const audited = lines.filter(
          (l) => l.audit === true && typeof l.action === 'string' && l.action.startsWith('tenant.') && l.tenant === s.tenantId,
        );
        expect(audited.map((l) => l.action)).toEqual(['tenant.pause', 'tenant.pause', 'tenant.resume', 'tenant.resume']);
      },
    );

    testCase('pause and resume answer 501 TQW_CONSOLE_UNAVAILABLE where no flow control is wired', async () => {
      const bare = await start(false, false);
      const res = await post(`/api/tenants/${tenantId(6)}/pause`, { type: 'mail' }, auth, `http://127.0.0.1:${bare.port}`);
      expect(res.status).toBe(501);
      expect(((await res.json()) as { code: string }).code).toBe('TQW_CONSOLE_UNAVAILABLE');
    });

    testCase(
      'dead letters across tenants: listed with filters, bulk requeue by type and error text only touches the matching ones',
      async () => {
        const a = store(7);
        const b = store(8);
        const a1 = await deadLetter(a, 'invoice', 'Timeout talking to billing');
        const a2 = await deadLetter(a, 'mail', 'timeout talking to smtp');
        const b1 = await deadLetter(b, 'invoice', 'billing said TIMEOUT');
        const b2 = await deadLetter(b, 'invoice', 'bad request');
        await main.fleet.refresh();
        const listed = (await (await get('/api/dead-letters?type=invoice&error=timeout&limit=1000')).json()) as {
          deadLetters: Array<{ id: string }>;
        };
        expect(listed.deadLetters.map((m) => m.id).sort()).toEqual([a1, b1].sort());
        const res = await post('/api/dead-letters/requeue', { tenants: [a.tenantId, b.tenantId], type: 'invoice', error: 'timeout' });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ count: 2 });
        expect((await a.getMessage(a1))!.status).toBe('Pending');
        expect((await b.getMessage(b1))!.status).toBe('Pending');
        expect((await a.getMessage(a2))!.status).toBe('DeadLetter');
        expect((await b.getMessage(b2))!.status).toBe('DeadLetter');
        const del = await post('/api/dead-letters/delete', { tenants: [b.tenantId] });
        expect(await del.json()).toMatchObject({ count: 1 });
        expect(await b.getMessage(b2)).toBeNull();
        expect(lines.filter((l) => l.action === 'dead-letters.requeue').at(-1)).toMatchObject({
          audit: true,
          tenant: [a.tenantId, b.tenantId],
          filter: { messageType: 'invoice', errorContains: 'timeout' },
          count: 2,
          client: expect.stringMatching(/127\.0\.0\.1/),
        });
        expect((await post('/api/dead-letters/requeue', { tenants: ['nobody'] })).status).toBe(404);
      },
    );

    testCase(
      'keyset pagination walks 100,000 rows by id, each exactly once; filters by status, type and id',
      async () => {
        const s = store(0);
        await fx.bulkInsert(s, 100_000);
        const dead = await deadLetter(s, 'mail', 'x');
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        const started = Date.now();
        do {
          const res = await get(`/api/tenants/${s.tenantId}/messages?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
          const page = (await res.json()) as { messages: Array<{ id: string; payload: string }>; nextCursor: string | null };
          seen.push(...page.messages.map((m) => m.id));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== null && pages < 200);
        expect(seen).toHaveLength(100_001);
        expect(new Set(seen).size).toBe(100_001);
        expect(pages).toBe(101);
        console.log(`console API (${name}): 100,001 rows in ${pages} keyset pages of 1,000 in ${Date.now() - started} ms`);
        const byStatus = (await (await get(`/api/tenants/${s.tenantId}/messages?status=DeadLetter`)).json()) as {
          messages: Array<{ id: string }>;
          nextCursor: string | null;
        };
        expect(byStatus).toEqual({ messages: [expect.objectContaining({ id: dead })], nextCursor: null });
        const byType = (await (await get(`/api/tenants/${s.tenantId}/messages?type=mail&status=DeadLetter`)).json()) as {
          messages: Array<{ id: string }>;
        };
        expect(byType.messages.map((m) => m.id)).toEqual([dead]);
        const byId = (await (await get(`/api/tenants/${s.tenantId}/messages?q=${dead.toUpperCase()}`)).json()) as {
          messages: Array<{ id: string }>;
        };
        expect(byId.messages.map((m) => m.id)).toEqual([dead]);
        expect(await (await get(`/api/tenants/${s.tenantId}/messages?q=nothing-like-an-id`)).json()).toEqual({
          messages: [],
          nextCursor: null,
        });
        // q also matches a dedupe key, exactly (any text, also one shaped like a uuid).
        const keyed = await s.enqueue({
          tenantId: s.tenantId,
          messageType: 'keyed',
          payload: {},
          dedupeKey: 'order-42',
          delayMs: 3_600_000,
        });
        const byKey = (await (await get(`/api/tenants/${s.tenantId}/messages?q=order-42`)).json()) as { messages: Array<{ id: string }> };
        expect(byKey.messages.map((m) => m.id)).toEqual([keyed]);
        expect((await (await get(`/api/tenants/${s.tenantId}/messages?q=order-4`)).json()) as unknown).toEqual({
          messages: [],
          nextCursor: null,
        });
        expect(await s.deleteMessage(keyed, ['Pending'])).toBe(true);
        expect((await get(`/api/tenants/${s.tenantId}/messages?cursor=bogus`)).status).toBe(400);
        expect((await get(`/api/tenants/${s.tenantId}/messages?status=Nope`)).status).toBe(400);
      },
      900_000,
    );
  });
}
