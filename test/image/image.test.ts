/**
 * The image, built from the Dockerfile and run as users run it, against databases on the host
 * (--network host): `migrate` and `run` with a mounted /etc/tqw, a PostgreSQL tenant and (with
 * MSSQL_URL) a SQL Server one on the same worker, `enqueue` from the image, /readyz 200, the
 * HEALTHCHECK healthy with the port from config.json and from TQW_HTTP_PORT (and unhealthy where
 * nothing listens), a read-only root filesystem with every capability dropped, SIGTERM under load
 * exiting 0 with nothing left Processing, and the image size. Built once for the file, removed after.
 * Needs a container engine (.ci/run prepares podman); reported skipped with the reason without one.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { createTestMssqlDatabase, mssqlUrl, type TestMssqlDatabase } from '../support/mssql';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { REPO_ROOT, freePort, httpGet, tempDir, writeJson } from '../support/processes';
import { waitFor } from '../support/worker-fixtures';
import { buildFlags, engine, noEngineReason } from './engine';

const BUILD_TIMEOUT_MS = 600_000;
const HANDLERS = join(REPO_ROOT, 'test', 'fixtures', 'e2e-handlers');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** What the image may add to its base (Node, npm and Debian): ours was 36 MB before the Azure SDK was trimmed, 24 MB after. */
const MAX_ADDED_MB = 30;

const suffix = randomBytes(4).toString('hex');
const IMAGE = `tenant-queue-worker:test-${suffix}`;
const containers: string[] = [];
let pg: TestDatabase;
let mssqlDb: TestMssqlDatabase | undefined;
let etc: string;
let port: number;

const describeWithEngine = engine ? describe : describe.skip;
const sqlServer = mssqlUrl();

/** `docker run` flags of every container here: the host's network (databases on 127.0.0.1), no pull. */
function runFlags(): string[] {
  return ['--network', 'host', ...(engine!.command === 'podman' ? ['--pull=never'] : [])];
}

/** A one-shot `docker run --rm IMAGE args`, with /etc/tqw mounted from `dir`. */
function oneShot(args: string[], dir = etc, extra: string[] = []) {
  return engine!.run(['run', '--rm', ...runFlags(), '-v', `${dir}:/etc/tqw:ro`, ...extra, IMAGE, ...args]);
}

/** `docker run -d` of the daemon, hardened as the README and deploy/kubernetes run it. */
function startDaemon(name: string, mounts: string[], env: string[] = []): string {
  containers.push(name);
  engine!.ok([
    'run',
    '-d',
    '--name',
    name,
    ...runFlags(),
    '--read-only',
    '--cap-drop=ALL',
    '--security-opt',
    'no-new-privileges',
    ...mounts,
    '-v',
    `${HANDLERS}:/handlers:ro`,
    ...env,
    IMAGE,
  ]);
  return name;
}

async function ready(atPort: number, name: string): Promise<void> {
  await waitFor(async () => (await httpGet(atPort, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
    what: `/readyz of container ${name} (logs: ${engine!.run(['logs', name]).stdout.slice(-2000)})`,
    timeoutMs: 60_000,
  });
}

async function statusOf(id: string): Promise<string | undefined> {
  const c = new Client({ connectionString: pg.url });
  await c.connect();
  try {
    return (await c.query<{ Status: string }>('SELECT "Status" FROM "QueueMessages" WHERE "Id" = $1', [id])).rows[0]?.Status;
  } finally {
    await c.end();
  }
}

if (!engine) {
  test.skip(`the image (skipped: ${noEngineReason})`, () => undefined);
}

describeWithEngine(`the image, built and run with ${engine?.command ?? 'no engine'}`, () => {
  beforeAll(async () => {
    engine!.ok(['build', ...buildFlags(), '--build-arg', `VERSION=${VERSION}`, '-t', IMAGE, REPO_ROOT], BUILD_TIMEOUT_MS);
    pg = await createTestDatabase('tqw_image');
    if (sqlServer) mssqlDb = await createTestMssqlDatabase('tqw_image');
    port = await freePort();
    etc = tempDir('image-etc');
    const tenants: Array<Record<string, string>> = [{ id: 'pg', connectionString: pg.url }];
    if (mssqlDb) tenants.push({ id: 'mssql', connectionString: mssqlDb.connectionString });
    writeJson(join(etc, 'tenants.json'), tenants);
    // The port comes from the mounted config.json only (no TQW_HTTP_PORT): the HEALTHCHECK must read it there.
    writeJson(join(etc, 'config.json'), {
      tenants: { file: '/etc/tqw/tenants.json', watch: true },
      http: { host: '127.0.0.1', port },
      worker: { concurrency: 8, pollMinMs: 20, pollMaxMs: 200, sqlServerProbeMs: 100, shutdownTimeoutMs: 10_000 },
    });
    // The container runs as uid 1000: it must be able to read what is mounted.
    chmodSync(etc, 0o755);
  }, BUILD_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    for (const name of containers) engine!.run(['rm', '-f', name]);
    engine!.run(['rmi', '-f', IMAGE]);
    await pg?.drop();
    await mssqlDb?.drop();
  });

  test(`stays lean: at most ${MAX_ADDED_MB} MB on top of its base image (the size is printed)`, () => {
    const size = (ref: string) => Number(engine!.ok(['image', 'inspect', '--format', '{{.Size}}', ref]).trim());
    const baseImage = 'node:24-bookworm-slim';
    const [total, baseSize] = [size(IMAGE), size(baseImage)];
    const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
    console.log(`image ${IMAGE}: ${mb(total)} MB, of which ${mb(total - baseSize)} MB on top of ${baseImage} (${mb(baseSize)} MB)`);
    expect(mb(total - baseSize)).toBeLessThanOrEqual(MAX_ADDED_MB);
  });

  test('`migrate` from the image creates the queue table in every tenant; a second run says up to date', () => {
    const first = oneShot(['migrate']);
    expect({ status: first.status, stdout: first.stdout }).toEqual({
      status: 0,
      stdout: expect.stringMatching(/^pg\s+postgres\s+migrated /m),
    });
    if (mssqlDb) expect(first.stdout).toMatch(/^mssql\s+sqlserver\s+migrated /m);
    const again = oneShot(['migrate']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^pg\s+postgres\s+up to date /m);
  });

  test('`run` on a read-only root filesystem with no capabilities: /readyz 200, a message enqueued from the image completes, the HEALTHCHECK is healthy on the port of config.json', async () => {
    const name = startDaemon(`tqw-test-run-${suffix}`, ['-v', `${etc}:/etc/tqw:ro`]);
    await ready(port, name);
    const enqueued = oneShot(['enqueue', '--tenant', 'pg', '--type', 'Work', '--payload', '{"sleepMs": 5}']);
    expect(enqueued.status).toBe(0);
    const id = enqueued.stdout.trim();
    await waitFor(async () => (await statusOf(id)) === 'Completed', { what: `message ${id} completed by the container` });
    const health = engine!.run(['healthcheck', 'run', name]);
    expect({ status: health.status, stdout: health.stdout.trim() }).toEqual({ status: 0, stdout: expect.not.stringMatching(/unhealthy/) });
    const inspect = JSON.parse(engine!.ok(['inspect', name])) as Array<{ HostConfig: { ReadonlyRootfs: boolean; CapDrop?: string[] } }>;
    expect(inspect[0]!.HostConfig.ReadonlyRootfs).toBe(true);
  });

  (sqlServer ? test : test.skip)(
    sqlServer
      ? 'the same container completes a message of a SQL Server tenant (MSSQL_URL)'
      : 'a SQL Server tenant in the same container (skipped: MSSQL_URL is not set)',
    async () => {
      const enqueued = oneShot(['enqueue', '--tenant', 'mssql', '--type', 'Work', '--payload', '{}']);
      expect({ status: enqueued.status, stderr: enqueued.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
      const id = enqueued.stdout.trim();
      await waitFor(
        async () => {
          const stats = oneShot(['stats', '--tenant', 'mssql', '--json']);
          const tenants = (JSON.parse(stats.stdout) as { tenants: Array<{ counts: Record<string, number> }> }).tenants;
          return tenants[0]?.counts.Completed === 1;
        },
        { what: `SQL Server message ${id} completed`, timeoutMs: 30_000 },
      );
    },
  );

  test("the HEALTHCHECK follows TQW_HTTP_PORT with the image's own config.json, and is unhealthy where nothing listens", async () => {
    const envPort = await freePort();
    // The README's form: only the tenants file mounted; the image's /etc/tqw/config.json reads it.
    const name = startDaemon(
      `tqw-test-envport-${suffix}`,
      ['-v', `${join(etc, 'tenants.json')}:/etc/tqw/tenants.json:ro`],
      ['-e', `TQW_HTTP_PORT=${envPort}`],
    );
    await ready(envPort, name);
    expect(engine!.run(['healthcheck', 'run', name]).status).toBe(0);
    // Control: the same check in a container where no daemon runs fails.
    const nobody = engine!.run(['run', '--rm', ...runFlags(), '-e', `TQW_HTTP_PORT=${await freePort()}`, IMAGE, 'healthcheck']);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toMatch(/tqw: unhealthy: http:\/\/127\.0\.0\.1:\d+\/livez did not answer/);
    engine!.ok(['stop', '-t', '20', name]);
  });

  test('SIGTERM under load: the container exits 0 and leaves nothing Processing', async () => {
    // The daemon of the `run` test, still serving every tenant.
    const name = `tqw-test-run-${suffix}`;
    await ready(port, name);
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      await c.query(
        `INSERT INTO "QueueMessages" ("Id", "TenantId", "MessageType", "Payload", "ScheduledTime", "ProcessingAttempts", "Status", "CreatedAt")
         SELECT gen_random_uuid(), 'pg', 'Work', '{"sleepMs": 200}', now(), 0, 'Pending', now() FROM generate_series(1, 400)`,
      );
      await waitFor(
        async () => Number((await c.query(`SELECT count(*) AS n FROM "QueueMessages" WHERE "Status" = 'Processing'`)).rows[0].n) > 0,
        {
          what: 'messages in flight',
        },
      );
      // `docker stop` sends the image's STOPSIGNAL (SIGTERM) to tini, which forwards it to node.
      engine!.ok(['stop', '-t', '30', name], 60_000);
      const state = JSON.parse(engine!.ok(['inspect', name])) as Array<{ State: { ExitCode: number } }>;
      expect(state[0]!.State.ExitCode).toBe(0);
      const counts = (await c.query<{ Status: string; n: string }>(`SELECT "Status", count(*) AS n FROM "QueueMessages" GROUP BY "Status"`))
        .rows;
      const byStatus = Object.fromEntries(counts.map((r) => [r.Status, Number(r.n)]));
      expect(byStatus.Processing ?? 0).toBe(0);
      expect(byStatus.Completed).toBeGreaterThan(1);
      // Under load: what had not started when the drain began was released, not left claimed.
      expect(byStatus.Pending).toBeGreaterThan(0);
      const logs = engine!.run(['logs', name]).stdout;
      expect(logs).toContain('"msg":"stopped cleanly"');
    } finally {
      await c.end();
    }
  });

  test(`the default port of the image's config is the schema's (${CONFIG_SCHEMA.http.port.default}) and the image is labelled with the package version`, () => {
    const label = engine!.ok(['image', 'inspect', '--format', '{{index .Config.Labels "org.opencontainers.image.version"}}', IMAGE]).trim();
    expect(label).toBe(VERSION);
    const config = JSON.parse(engine!.ok(['run', '--rm', ...runFlags(), '--entrypoint', 'cat', IMAGE, '/etc/tqw/config.json'])) as {
      http: { port: number };
    };
    expect(config.http.port).toBe(CONFIG_SCHEMA.http.port.default);
  });
});
