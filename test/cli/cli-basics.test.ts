/**
 * The `tqw` executable without a database: exit codes, one-line errors without secrets, help and
 * the generated config docs. Runs the built CLI (`npm run build` first: bin/tqw.js loads dist/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { schemaKeys } from '../../src/config/schema';
import { REPO_ROOT, runCli, tempDir, writeJson } from '../support/processes';

const SECRET = 'Sup3r-Secret-Pw';

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
});

/** A config dir with a tenants file; returns the config file path. */
function configWith(tenants: unknown, config: Record<string, unknown> = {}): string {
  const dir = tempDir('cli-basics');
  writeJson(join(dir, 'tenants.json'), tenants);
  return writeJson(join(dir, 'config.json'), { tenants: { file: './tenants.json', watch: false }, ...config });
}

function expectOneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tqw: /);
  return lines[0];
}

describe('configuration errors: exit 78, one line on stderr, no password', () => {
  it('a malformed connection string in the tenants file (run and migrate)', async () => {
    const config = configWith([{ id: 'acme', connectionString: `mysql://app:${SECRET}@db:3306/app` }]);
    for (const command of ['run', 'migrate']) {
      const r = await runCli([command, '--config', config]);
      expect([command, r.code]).toEqual([command, 78]);
      const line = expectOneLine(r.stderr);
      expect(line).toContain("tenants[0] (id 'acme'): connectionString is invalid: unsupported scheme 'mysql://'");
      expect(line).toContain('mysql://app:***@db:3306/app');
      expect(r.stderr + r.stdout).not.toContain(SECRET);
    }
  });

  it('an unset ${VAR}', async () => {
    const config = configWith([{ id: 'acme', connectionString: 'postgres://app:${ACME_PW}@db/app' }]);
    const r = await runCli(['check', '--config', config], { ACME_PW: '' });
    expect(r.code).toBe(78);
    expect(expectOneLine(r.stderr)).toContain('environment variable ACME_PW is empty');
  });

  it('an unknown config key and a bad env value', async () => {
    const config = configWith([], { worker: { concurency: 4 } });
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(78);
    expect(expectOneLine(r.stderr)).toBe(
      `tqw: config error in ${config}: unknown key "worker.concurency" (did you mean "worker.concurrency"?) (run 'tqw config --docs' for every key)`,
    );
    const bad = await runCli(['stats', '--config', configWith([])], { TQW_CONCURRENCY: 'ten' });
    expect(bad.code).toBe(78);
    expect(expectOneLine(bad.stderr)).toContain('worker.concurrency must be an integer between 1 and 10000: value was "ten"');
  });

  it('a missing config file given by TQW_CONFIG', async () => {
    const r = await runCli(['migrate'], { TQW_CONFIG: '/nonexistent/tqw.json' });
    expect(r.code).toBe(78);
    expect(expectOneLine(r.stderr)).toBe('tqw: config error: config file /nonexistent/tqw.json does not exist (check --config or TQW_CONFIG)');
  });
});

describe('usage: exit 64 with a usage text, --help exits 0', () => {
  it('no command, an unknown command, an unknown option, a missing option', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('Usage: tqw <command>');

    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr.split('\n')[0]).toBe("tqw: unknown command 'frobnicate'");

    const option = await runCli(['stats', '--frob']);
    expect(option.code).toBe(64);
    expect(option.stderr.split('\n')[0]).toBe("tqw: Unknown option '--frob'");
    expect(option.stderr).toContain('Usage: tqw stats');

    const missing = await runCli(['enqueue', '--type', 'T', '--payload', '{}']);
    expect(missing.code).toBe(64);
    expect(missing.stderr.split('\n')[0]).toBe('tqw: --tenant is required');
    expect(missing.stderr).toContain('Usage: tqw enqueue');
  });

  it('argument errors are found before the config is read', async () => {
    const cases: Array<[string[], string]> = [
      [['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{"a":'], 'tqw: --payload is not valid JSON'],
      [['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{}', '--delay', '30'], "tqw: --delay '30' is not a duration"],
      [['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{}', '--correlation-id', 'nope'], 'tqw: --correlation-id must be a UUID'],
      [['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '@/nonexistent.json'], 'tqw: --payload file /nonexistent.json does not exist'],
      [['dead-letters', 'requeue', '--tenant', 'a'], 'tqw: requeue needs --id UUID (repeatable) or --all'],
      [['dead-letters', 'purge', '--tenant', 'a'], "tqw: unknown action 'purge'"],
      [['dead-letters', 'list', '--tenant', 'a', '--limit', '0'], 'tqw: --limit must be an integer between 1 and 10000'],
      [['config', '--markdown'], 'tqw: --markdown goes with --docs'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { TQW_CONFIG: '/nonexistent/would-be-78.json' });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 64]);
      expect(r.stderr.split('\n')[0]).toContain(message);
    }
  });

  it.each(['run', 'migrate', 'enqueue', 'check', 'stats', 'dead-letters', 'config'])('tqw %s --help', async (command) => {
    const r = await runCli([command, '--help'], { TQW_CONFIG: '/nonexistent/not-read.json' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: tqw ${command}`);
    expect(r.stderr).toBe('');
  });
});

describe('tqw config', () => {
  it('--docs lists every key with its env var (text, markdown and JSON)', async () => {
    const text = await runCli(['config', '--docs']);
    const markdown = await runCli(['config', '--docs', '--markdown']);
    const json = await runCli(['config', '--docs', '--json']);
    for (const r of [text, markdown, json]) expect(r.code).toBe(0);
    const docs = JSON.parse(json.stdout) as Array<{ key: string; env: string; default: unknown; doc: string }>;
    expect(docs.map((d) => d.key)).toEqual(schemaKeys().map((k) => k.name));
    for (const { name, spec } of schemaKeys()) {
      expect(text.stdout).toContain(`${name}\n  env:     ${spec.env}\n  default: ${JSON.stringify(spec.default)}`);
      expect(markdown.stdout).toContain(`| \`${name}\` | \`${spec.env}\` |`);
      expect(docs.find((d) => d.key === name)).toMatchObject({ env: spec.env, default: spec.default, doc: spec.doc });
    }
  });

  it('shows effective values and their sources', async () => {
    const config = configWith([], { worker: { concurrency: 3 } });
    const r = await runCli(['config', '--config', config, '--json'], { TQW_LEASE_MS: '1234' });
    expect(r.code).toBe(0);
    const shown = JSON.parse(r.stdout) as { configFile: string; config: { worker: { concurrency: number; leaseMs: number } }; sources: Record<string, string> };
    expect(shown.configFile).toBe(config);
    expect(shown.config.worker).toMatchObject({ concurrency: 3, leaseMs: 1234 });
    expect(shown.sources).toMatchObject({ 'worker.concurrency': 'file', 'worker.leaseMs': 'env', 'worker.maxAttempts': 'default' });
    const table = await runCli(['config', '--config', config], { TQW_LEASE_MS: '1234' });
    expect(table.stdout).toMatch(/worker\.leaseMs\s+1234\s+env TQW_LEASE_MS/);
  });
});
