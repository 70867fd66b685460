/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The console page in a real browser: Debian's chromium driven by playwright-core, against `tqw run`
 * (in process, console.enabled) on a real PostgreSQL with three tenants. Signs in, finds a dead
 * letter, requeues it and sees the worker complete it, pauses a tenant; screenshots the main views
 * (into docs/console/ with CONSOLE_SCREENSHOTS=1). Skipped, saying why, when chromium is not installed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { main } from '../../src/cli/main';
import type { DaemonHandle } from '../../src/daemon/daemon';
import { run } from '../../src/run';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { tempDir, writeJson } from '../support/processes';
import { Writable } from 'node:stream';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p !== undefined && existsSync(p),
);
const TOKEN = 'browser-test-console-token-42';
/** Where the screenshots go: docs/console with CONSOLE_SCREENSHOTS=1 (to refresh the README's; not a TQW_ name, which the hermetic test environment removes), else a temp dir. */
const SCREENSHOTS =
  process.env.CONSOLE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'console') : tempDir('console-screenshots');
const TENANTS = ['acme', 'globex', 'initech'];

const d = CHROMIUM ? describe : describe.skip;
d(
  `console page in chromium${CHROMIUM ? '' : ' (skipped: chromium not installed; apt-get install -y chromium, or set CHROMIUM_PATH)'}`,
  () => {
    let db: TestDatabase;
    let client: Client;
    let daemon: DaemonHandle;
    let browser: Browser;
    let page: Page;
    let base: string;
    let deadId: string;

    async function insert(schema: string, status: string, type: string, error: string | null, extra = ''): Promise<string> {
      const id = randomUUID();
      await client.query(
        `INSERT INTO "${schema}"."QueueMessages" ("Id", "TenantId", "MessageType", "Payload", "Status", "ProcessingAttempts", "ErrorMessage", "LastAttemptTime", "CorrelationId")
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() - interval '3 minutes', $8)`,
        [
          id,
          schema,
          type,
          JSON.stringify({ orderId: 1042, to: 'ops@example.com', extra }),
          status,
          status === 'DeadLetter' ? 5 : 0,
          error,
          randomUUID(),
        ],
      );
      return id;
    }

    beforeAll(async () => {
      db = await createTestDatabase('tqw_console_ui');
      client = new Client({ connectionString: db.url });
      await client.connect();
      const dir = tempDir('console-ui');
      writeJson(
        join(dir, 'tenants.json'),
        TENANTS.map((id) => ({ id, connectionString: db.url, schema: id })),
      );
      const config = writeJson(join(dir, 'config.json'), {
        tenants: { file: './tenants.json', watch: false },
        http: { host: '127.0.0.1', port: 0 },
        worker: { pollMinMs: 20, pollMaxMs: 200 },
        console: { enabled: true, host: '127.0.0.1', port: 0 },
      });
      const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });
      const io = { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: dir, logDestination: quiet, readStdin: async () => '' };
      expect(await main(['migrate', '--config', config], io)).toBe(0);
      deadId = await insert('acme', 'DeadLetter', 'SendInvoice', 'SMTP 421: mail.example.com refused the connection (attempt 5 of 5)');
      await insert('globex', 'DeadLetter', 'SyncStock', 'timeout after 30000 ms talking to the ERP');
      // Scheduled far ahead so the worker leaves them alone: the messages view has something to list.
      for (let i = 0; i < 5; i++) {
        await client.query(
          `INSERT INTO "acme"."QueueMessages" ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime") VALUES ($1, 'acme', 'SendInvoice', '{}', now() + interval '1 day')`,
          [randomUUID()],
        );
      }
      daemon = await run({
        configFile: config,
        cwd: dir,
        env: { TQW_CONSOLE_TOKEN: TOKEN },
        logger: pino({ level: 'silent' }),
        handlers: [
          { type: 'SendInvoice', handle: async () => undefined },
          { type: 'SyncStock', handle: async () => undefined },
        ],
      });
      base = `http://127.0.0.1:${daemon.consolePort}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      page.on('pageerror', (e) => console.log('page error:', e.message));
      // No request leaves the console's origin (no CDN): anything else fails the test.
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) throw new Error(`the page requested ${r.url()}`);
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await daemon?.stop();
      await client?.end();
      await db?.drop();
    }, 60_000);

    test('sign in with the token: a wrong one is refused, the right one shows the fleet with every tenant', async () => {
      await page.goto(base);
      await page.fill('#token', 'wrong');
      await page.click('button[type=submit]');
      await page.waitForSelector('.error');
      await page.fill('#token', TOKEN);
      await page.click('button[type=submit]');
      await page.waitForSelector('#fleet tr[data-tenant="initech"]');
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'tqw_console_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await page.locator('#fleet tbody tr').count()).toBe(3);
      await page.waitForFunction(() => document.getElementById('live')?.textContent?.startsWith('live'));
      await page.screenshot({ path: join(SCREENSHOTS, 'fleet.png') });
      await page.fill('#fleet-filter', 'glo');
      await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr').length === 1);
      expect(await page.locator('#fleet tbody tr').getAttribute('data-tenant')).toBe('globex');
      await page.fill('#fleet-filter', '');
      await page.waitForFunction(() => document.querySelectorAll('#fleet tbody tr').length === 3);
    });

    test('find a dead letter across tenants, open it, requeue it and see the worker complete it', async () => {
      await page.goto(`${base}/#/dead-letters`);
      await page.fill('#dl-error', 'smtp');
      await page.click('#dl-search');
      await page.waitForFunction(() => document.querySelectorAll('#dead-letters tbody tr').length === 1);
      await page.fill('#dl-error', '');
      await page.click('#dl-search');
      await page.waitForFunction(() => document.querySelectorAll('#dead-letters tbody tr').length === 2);
      await page.screenshot({ path: join(SCREENSHOTS, 'dead-letters.png') });
      await page.click(`#dead-letters a[href="#/t/acme/m/${deadId}"]`);
      await page.waitForSelector('#detail [data-field="status"]');
      expect(await page.textContent('#detail [data-field="status"]')).toBe('DeadLetter');
      expect(await page.textContent('#payload')).toContain('"orderId": 1042');
      await page.screenshot({ path: join(SCREENSHOTS, 'message.png'), fullPage: true });
      await page.click('#detail button:has-text("Requeue")');
      const deadline = Date.now() + 30_000;
      let status = '';
      while (Date.now() < deadline && status !== 'Completed') {
        await page.click('#detail button:has-text("Reload")');
        await page.waitForTimeout(300);
        status = (await page.textContent('#detail [data-field="status"]')) ?? '';
      }
      expect(status).toBe('Completed');
      const row = (await client.query(`SELECT "Status" FROM "acme"."QueueMessages" WHERE "Id" = $1`, [deadId])).rows[0] as {
        Status: string;
      };
      expect(row.Status).toBe('Completed');
    });

    test("a tenant's messages with a status filter and keyset paging", async () => {
      await page.goto(`${base}/#/t/acme`);
      await page.waitForSelector('#messages tbody tr');
      await page.selectOption('#msg-status', 'Pending');
      await page.click('#msg-search');
      await page.waitForFunction(
        () =>
          Array.from(document.querySelectorAll('#messages td.status')).every((td) => td.textContent === 'Pending') &&
          document.querySelectorAll('#messages tbody tr').length === 5,
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'messages.png') });
    });

    test('pause a tenant from the fleet: the worker leaves its messages Pending until Resume, and the fleet shows the state', async () => {
      await page.goto(`${base}/#/`);
      await page.waitForSelector('#fleet tr[data-tenant="acme"]');
      await page.click('#fleet tr[data-tenant="acme"] button:has-text("Pause")');
      await page.waitForFunction(() => (document.getElementById('toast')?.textContent ?? '') === 'acme: paused');
      await page.waitForFunction(() => document.querySelector('#fleet tr[data-tenant="acme"] td.paused')?.textContent === 'paused');
      const switches = await client.query<{ MessageType: string }>('SELECT "MessageType" FROM "acme"."QueuePauses"');
      expect(switches.rows).toEqual([{ MessageType: '' }]);
      // A due message of the paused tenant waits (several poll intervals), then runs once resumed.
      const id = randomUUID();
      await client.query(
        `INSERT INTO "acme"."QueueMessages" ("Id", "TenantId", "MessageType", "Payload") VALUES ($1, 'acme', 'SendInvoice', '{}')`,
        [id],
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const status = async () =>
        (await client.query<{ Status: string }>('SELECT "Status" FROM "acme"."QueueMessages" WHERE "Id" = $1', [id])).rows[0]?.Status;
      expect(await status()).toBe('Pending');
      await page.screenshot({ path: join(SCREENSHOTS, 'paused.png') });
      await page.click('#fleet tr[data-tenant="acme"] button:has-text("Resume")');
      await page.waitForFunction(() => document.querySelector('#fleet tr[data-tenant="acme"] td.paused')?.textContent === 'no');
      for (let i = 0; i < 200 && (await status()) !== 'Completed'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await status()).toBe('Completed');
    });
  },
);
