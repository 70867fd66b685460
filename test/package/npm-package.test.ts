/**
 * The npm package as another project gets it: `npm pack`, then `npm install` of the tarball into a fresh
 * project (no build step of its own: the tarball ships dist/), a TypeScript handler and an enqueue()
 * producer compiled there with `skipLibCheck: false` (our declarations and the mssql / pg types they
 * mention must resolve from what the package brings), the handler as CommonJS and the producer as ESM
 * (the `exports` map's two entries), then run against PostgreSQL: the installed `tqw migrate`, the
 * producer's transaction, the installed `tqw run` with the compiled handler, Completed and the handler's row.
 * Needs `npm run build` first (the tarball is packed from dist/ as it is, with --ignore-scripts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { childEnv } from '../support/hermetic-env';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { DaemonProcess, REPO_ROOT, freePort, httpGet, tempDir, writeJson } from '../support/processes';
import { waitFor } from '../support/worker-fixtures';

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const INSTALL_TIMEOUT_MS = 240_000;
/** Compiling the consumer (tsc with skipLibCheck: false reads every declaration) and running it: slow on a loaded machine. */
const COMPILE_AND_RUN_TIMEOUT_MS = 240_000;

let work: string;
let project: string;
let tarball: string;
let db: TestDatabase;
let installOutput = '';
const daemons: DaemonProcess[] = [];

function npm(args: string[], cwd: string, timeout = INSTALL_TIMEOUT_MS): string {
  const r = spawnSync(NPM, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: childEnv({ npm_config_audit: 'false', npm_config_fund: 'false' }),
  });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` before this test');
  work = tempDir('npm-package');
  const packed = JSON.parse(
    npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], REPO_ROOT).replace(/^[^[]*/, ''),
  ) as Array<{
    filename: string;
  }>;
  tarball = join(work, packed[0]!.filename);

  project = join(work, 'consumer');
  mkdirSync(join(project, 'src', 'handlers'), { recursive: true });
  writeJson(join(project, 'package.json'), { name: 'consumer', version: '1.0.0', private: true });
  // The consumer's own compiler, at our version; --prefer-offline: npm's cache from our own install serves it.
  installOutput = npm(
    ['install', '--prefer-offline', '--foreground-scripts', tarball, `typescript@${PACKAGE.devDependencies.typescript}`],
    project,
  );
  db = await createTestDatabase('tqw_npm_package');
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const d of daemons) if (d.child.exitCode === null) d.kill('SIGKILL');
  await db?.drop();
});

describe('the npm package, installed into a fresh project', () => {
  test('the tarball ships the build, the ESM entry, the bin and the examples, and no sources, tests or source maps', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const file of [
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/esm/index.mjs',
      'package/esm/index.d.mts',
      'package/bin/tqw.js',
      'package/CHANGELOG.md',
      'package/config/config.example.json',
      'package/deploy/systemd/tqw.service',
    ]) {
      expect(listing).toContain(file);
    }
    expect(listing.filter((f) => /^package\/(src|test|bench|docker|examples)\//.test(f) || f.endsWith('.map'))).toEqual([]);
    expect(readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8')).toContain(`## ${PACKAGE.version}`);
  });

  test('installs with no build step: no TypeScript compile in the consumer, the installed copy has no src/', () => {
    const installed = join(project, 'node_modules', PACKAGE.name);
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(installOutput).not.toMatch(/\btsc -p\b/);
    // The types our declarations mention come with the package.
    for (const types of ['@types/pg', '@types/mssql']) expect(existsSync(join(project, 'node_modules', types, 'package.json'))).toBe(true);
  });

  test('require() and import give the same exports, one module instance', () => {
    const probe = join(project, 'probe.mjs');
    writeFileSync(
      probe,
      `import { createRequire } from 'node:module';
import * as esm from '${PACKAGE.name}';
const cjs = createRequire(import.meta.url)('${PACKAGE.name}');
// Node also re-exports the CommonJS build's __esModule marker; it is not API.
process.stdout.write(JSON.stringify({ esm: Object.keys(esm).filter((k) => k !== '__esModule').sort(), cjs: Object.keys(cjs).sort(), same: esm.PermanentError === cjs.PermanentError }));`,
    );
    const out = JSON.parse(execFileSync(process.execPath, [probe], { cwd: project, encoding: 'utf8', env: childEnv() })) as {
      esm: string[];
      cjs: string[];
      same: boolean;
    };
    expect(out.cjs).toEqual(
      expect.arrayContaining(['enqueue', 'defineHandler', 'PermanentError', 'PayloadTooLargeError', 'run', 'loadConfig']),
    );
    expect(out.esm).toEqual(out.cjs);
    expect(out.same).toBe(true);
  });

  test(
    'a TypeScript handler (CommonJS) and an enqueue() producer (ESM) compile with skipLibCheck: false, and run against PostgreSQL',
    async () => {
      // The repository's own TypeScript example handler, importing the package as a user's project does.
      const handler = readFileSync(join(REPO_ROOT, 'examples', 'handlers-ts', 'product-update.ts'), 'utf8').replace(
        /^(import .*) from '\.\.\/\.\.\/src';$/m,
        `$1 from '${PACKAGE.name}';`,
      );
      expect(handler).toMatch(new RegExp(`^import \\{ defineHandler, PermanentError \\} from '${PACKAGE.name}';$`, 'm'));
      writeFileSync(join(project, 'src', 'handlers', 'product-update.ts'), handler);
      writeFileSync(
        join(project, 'src', 'producer.mts'),
        `import pg from 'pg';
import { enqueue, PayloadTooLargeError } from '${PACKAGE.name}';

const [url, productId, newName] = process.argv.slice(2);
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query('BEGIN');
const id: string = await enqueue(client, { tenantId: 'shop', messageType: 'ProductUpdate', payload: { productId, newName } });
await client.query('COMMIT');
const refused = await enqueue(client, { tenantId: 'shop', messageType: 'ProductUpdate', payload: 'x'.repeat(20) }, { maxPayloadBytes: 10 }).catch((err: unknown) => err);
await client.end();
process.stdout.write(JSON.stringify({ id, refused: refused instanceof PayloadTooLargeError ? refused.code : String(refused) }));
`,
      );
      writeJson(join(project, 'tsconfig.json'), {
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: false,
          outDir: 'dist',
          rootDir: 'src',
          types: [],
        },
        include: ['src'],
      });
      const tsc = spawnSync(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
        encoding: 'utf8',
        timeout: COMPILE_AND_RUN_TIMEOUT_MS / 2,
      });
      expect({ status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` }).toEqual({ status: 0, output: '' });
      expect(existsSync(join(project, 'dist', 'handlers', 'product-update.js'))).toBe(true);
      expect(existsSync(join(project, 'dist', 'producer.mjs'))).toBe(true);

      const admin = new Client({ connectionString: db.url });
      // afterAll drops the database WITH (FORCE): the session's end then arrives as an error event.
      admin.on('error', () => undefined);
      await admin.connect();
      try {
        await admin.query(readFileSync(join(REPO_ROOT, 'examples', 'sql', 'products.postgres.sql'), 'utf8'));
        const port = await freePort();
        writeJson(join(project, 'tenants.json'), [{ id: 'shop', connectionString: db.url }]);
        const config = writeJson(join(project, 'config.json'), {
          tenants: { file: './tenants.json', watch: false },
          handlers: { dir: './dist/handlers' },
          http: { host: '127.0.0.1', port },
          worker: { pollMinMs: 20, pollMaxMs: 100 },
        });
        const tqw = join(project, 'node_modules', PACKAGE.name, 'bin', 'tqw.js');
        const migrate = spawnSync(process.execPath, [tqw, 'migrate', '--config', config], {
          cwd: project,
          encoding: 'utf8',
          timeout: 60_000,
          env: childEnv(),
        });
        expect({ status: migrate.status, stderr: migrate.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
        expect(migrate.stdout).toContain('1 tenant(s): 1 migrated');

        const productId = '0b5e2c1a-8f3d-4c2e-9a7b-1d2e3f4a5b6c';
        const produced = JSON.parse(
          execFileSync(process.execPath, [join(project, 'dist', 'producer.mjs'), db.url, productId, 'Renamed by the package'], {
            cwd: project,
            encoding: 'utf8',
            env: childEnv(),
          }),
        ) as { id: string; refused: string };
        expect(produced.refused).toBe('TQW_PAYLOAD_TOO_LARGE');

        const daemon = new DaemonProcess(['--config', config], {}, { bin: tqw, cwd: project });
        daemons.push(daemon);
        await waitFor(async () => (await httpGet(port, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
          what: 'the installed tqw run ready',
        });
        await waitFor(
          async () =>
            (await admin.query(`SELECT "Status" FROM "QueueMessages" WHERE "Id" = $1`, [produced.id])).rows[0]?.Status === 'Completed',
          { what: 'the message completed by the compiled handler' },
        );
        const { rows } = await admin.query(`SELECT "Name" FROM "Products" WHERE "Id" = $1`, [productId]);
        expect(rows).toEqual([{ Name: 'Renamed by the package' }]);
        daemon.kill('SIGTERM');
        expect((await daemon.exited).code).toBe(0);
        expect(daemon.lines.find((l) => l.msg === 'message completed')).toEqual(
          expect.objectContaining({ tenant: 'shop', messageId: produced.id, type: 'ProductUpdate' }),
        );
      } finally {
        await admin.end();
      }
    },
    COMPILE_AND_RUN_TIMEOUT_MS,
  );
});
