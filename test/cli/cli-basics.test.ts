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

  it('several config problems (file and environment) are listed all at once, one line each', async () => {
    const config = configWith([], { worker: { concurency: 4, leaseMs: 'long', maxAttempts: 0 }, htp: {} });
    const r = await runCli(['run', '--config', config], { TQW_CONCURRENCY: 'ten' });
    expect(r.code).toBe(78);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      'tqw: 5 config errors (fix them all, then start again):',
      `  - in ${config}: unknown key "worker.concurency" (did you mean "worker.concurrency"?) (run 'tqw config --docs' for every key)`,
      `  - in ${config}: worker.leaseMs must be a JSON number (integer between 1 and 2147483647), not a string: value was "long" (edit the file or set TQW_LEASE_MS)`,
      `  - in ${config}: unknown section "htp" (did you mean "http"?) (run 'tqw config --docs' for every key)`,
      '  - in environment variable TQW_CONCURRENCY: worker.concurrency must be an integer between 1 and 10000: value was "ten" (fix or unset TQW_CONCURRENCY)',
      `  - in ${config}: worker.maxAttempts must be an integer between 1 and 1000: value was 0 (edit worker.maxAttempts in the file or set TQW_MAX_ATTEMPTS)`,
    ]);
    expect(r.stderr).not.toMatch(/more problem/);
  });

  it('a missing config file given by TQW_CONFIG', async () => {
    const r = await runCli(['migrate'], { TQW_CONFIG: '/nonexistent/tqw.json' });
    expect(r.code).toBe(78);
    expect(expectOneLine(r.stderr)).toBe(
      'tqw: config error: config file /nonexistent/tqw.json does not exist (check --config or TQW_CONFIG)',
    );
  });
});

describe('usage: exit 64 with the error and a one-line hint, --help exits 0', () => {
  it('no command prints the usage; an unknown command, an unknown option, a missing option print the error and a hint', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('Usage: tqw <command>');

    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toBe("tqw: unknown command 'frobnicate'\nRun 'tqw --help' for the commands.\n");
    const typo = await runCli(['migrte']);
    expect(typo.stderr.split('\n')[0]).toBe("tqw: unknown command 'migrte' (did you mean 'migrate'?)");

    const option = await runCli(['stats', '--frob']);
    expect(option.code).toBe(64);
    expect(option.stderr).toBe("tqw: unknown option '--frob'\nRun 'tqw stats --help' for its options.\n");

    const misspelt = await runCli(['enqueue', '--tenat', 'a', '--type', 'T', '--payload', '{}']);
    expect(misspelt.code).toBe(64);
    expect(misspelt.stderr.split('\n')[0]).toBe("tqw: unknown option '--tenat' (did you mean --tenant?)");

    const missing = await runCli(['enqueue', '--type', 'T', '--payload', '{}']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toBe("tqw: --tenant is required\nRun 'tqw enqueue --help' for its options.\n");
    expect(missing.stderr).not.toContain('Usage:');
  });

  it('--delay: a bare number is seconds; a negative delay is a clear error, with or without =', async () => {
    const { parseDuration } = await import('../../src/cli/duration');
    expect([parseDuration('5'), parseDuration('2.5'), parseDuration('0'), parseDuration('1m30s')]).toEqual([5_000, 2_500, 0, 90_000]);
    const spaced = await runCli(['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{}', '--delay', '-3s']);
    expect(spaced.code).toBe(64);
    expect(spaced.stderr.split('\n')[0]).toBe(
      "tqw: --delay needs a value, but '-3s' starts with '-' and reads as an option (negative values are not accepted; a value that really starts with '-' is written --delay=-3s)",
    );
    const joined = await runCli(['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{}', '--delay=-3s']);
    expect(joined.code).toBe(64);
    expect(joined.stderr.split('\n')[0]).toBe("tqw: --delay '-3s' is negative: a delay is 0 or more, e.g. 0, 30s or 2m");
  });

  it('argument errors are found before the config is read', async () => {
    const cases: Array<[string[], string]> = [
      [['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{"a":'], 'tqw: --payload is not valid JSON'],
      [['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{}', '--delay', '30x'], "tqw: --delay '30x' is not a duration"],
      [['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '{}', '--correlation-id', 'nope'], 'tqw: --correlation-id must be a UUID'],
      [
        ['enqueue', '--tenant', 'a', '--type', 'T', '--payload', '@/nonexistent.json'],
        'tqw: --payload file /nonexistent.json does not exist',
      ],
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
    const shown = JSON.parse(r.stdout) as {
      configFile: string;
      config: { worker: { concurrency: number; leaseMs: number } };
      sources: Record<string, string>;
    };
    expect(shown.configFile).toBe(config);
    expect(shown.config.worker).toMatchObject({ concurrency: 3, leaseMs: 1234 });
    expect(shown.sources).toMatchObject({ 'worker.concurrency': 'file', 'worker.leaseMs': 'env', 'worker.maxAttempts': 'default' });
    const table = await runCli(['config', '--config', config], { TQW_LEASE_MS: '1234' });
    expect(table.stdout).toMatch(/worker\.leaseMs\s+1234\s+env TQW_LEASE_MS/);
  });
});
