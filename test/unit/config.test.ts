import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadConfigWithSources } from '../../src/config/load-config';
import { CONFIG_SCHEMA, schemaKeys, type TqwConfig } from '../../src/config/schema';
import { toPoolOptions, toStoreOptions, toWorkerOptions } from '../../src/config/to-options';
import { configError, tempDir, writeConfig } from '../support/config-files';
import { DEFAULT_POOL_OPTIONS, DEFAULT_STORE_OPTIONS } from '../../src/store/types';
import { DEFAULT_WORKER_OPTIONS } from '../../src/worker/options';

const cwd = mkdtempSync(join(tmpdir(), 'tqw-config-cwd-'));

function valueAt(config: TqwConfig, name: string): unknown {
  const [section, key] = name.split('.');
  return (config as unknown as Record<string, Record<string, unknown>>)[section][key];
}

describe('loadConfig: defaults', () => {
  it('has the public contract defaults with no file and no env', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(config.tenants.file).toBe(join(cwd, 'config', 'tenants.json'));
    expect(config.handlers.dir).toBe(join(cwd, 'handlers'));
    expect(config.http.port).toBe(9464);
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.worker.concurrency).toBe(10);
    expect(config.worker.leaseMs).toBe(60_000);
    expect(config.worker.maxAttempts).toBe(5);
    expect(config.worker.backoffBaseMs).toBe(1_000);
    expect(config.worker.backoffMaxMs).toBe(300_000);
    expect(config.log.level).toBe('info');
    expect(config.tenants.watch).toBe(true);
    expect(config.metrics).toEqual({ tenantLabel: true, depthIntervalMs: 15_000 });
    expect(config.retention).toEqual({
      completedMaxAgeMs: 7 * 24 * 3600 * 1000,
      deadLetterMaxAgeMs: 0,
      intervalMs: 60_000,
      batchSize: 500,
      deleteOnCompletion: false,
    });
  });

  it('maps onto exactly the engine, pool and store defaults', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(toWorkerOptions(config)).toEqual({ ...DEFAULT_WORKER_OPTIONS });
    expect(toPoolOptions(config)).toEqual({ ...DEFAULT_POOL_OPTIONS });
    expect(toStoreOptions(config)).toEqual({ ...DEFAULT_STORE_OPTIONS });
  });

  it('reports every value as coming from the defaults', () => {
    const { sources, configFile } = loadConfigWithSources({ env: {}, cwd });
    expect(configFile).toBeUndefined();
    expect(new Set(Object.values(sources))).toEqual(new Set(['default']));
    expect(Object.keys(sources)).toHaveLength(schemaKeys().length);
  });
});

describe('loadConfig: file and env', () => {
  it('reads the file given as configFile, and env overrides it', () => {
    const file = writeConfig({ worker: { concurrency: 20, leaseMs: 5_000 }, log: { level: 'debug' } });
    const config = loadConfig({ configFile: file, env: { TQW_CONCURRENCY: '30' }, cwd });
    expect(config.worker.concurrency).toBe(30);
    expect(config.worker.leaseMs).toBe(5_000);
    expect(config.log.level).toBe('debug');
    expect(config.worker.maxAttempts).toBe(5);
  });

  it('reads TQW_CONFIG when no configFile is given, and configFile wins over TQW_CONFIG', () => {
    const a = writeConfig({ worker: { concurrency: 3 } });
    const b = writeConfig({ worker: { concurrency: 4 } });
    expect(loadConfig({ env: { TQW_CONFIG: a }, cwd }).worker.concurrency).toBe(3);
    expect(loadConfig({ configFile: b, env: { TQW_CONFIG: a }, cwd }).worker.concurrency).toBe(4);
  });

  it('resolves a relative config file path against cwd', () => {
    const dir = tempDir();
    writeConfig({ http: { port: 1234 } }, dir, 'relative.json');
    expect(loadConfig({ configFile: 'relative.json', env: {}, cwd: dir }).http.port).toBe(1234);
  });

  it.each([
    ['TQW_TENANTS_FILE', 'tenants.file', '/srv/tenants.json', '/srv/tenants.json'],
    ['TQW_HANDLERS_DIR', 'handlers.dir', '/srv/handlers', '/srv/handlers'],
    ['TQW_HTTP_PORT', 'http.port', '8080', 8080],
    ['TQW_CONCURRENCY', 'worker.concurrency', '7', 7],
    ['TQW_LEASE_MS', 'worker.leaseMs', '90000', 90_000],
    ['TQW_MAX_ATTEMPTS', 'worker.maxAttempts', '9', 9],
    ['TQW_BACKOFF_BASE_MS', 'worker.backoffBaseMs', '250', 250],
    ['TQW_BACKOFF_MAX_MS', 'worker.backoffMaxMs', '60000', 60_000],
    ['TQW_LOG_LEVEL', 'log.level', 'warn', 'warn'],
  ])('public env var %s sets %s', (envName, key, raw, expected) => {
    const config = loadConfig({ env: { [envName]: raw }, cwd });
    expect(valueAt(config, key)).toBe(expected);
    expect(CONFIG_SCHEMA[key.split('.')[0] as keyof typeof CONFIG_SCHEMA]).toHaveProperty([key.split('.')[1], 'env'], envName);
  });

  it('every key of the schema is set by its env var', () => {
    for (const { name, spec } of schemaKeys()) {
      let raw: string;
      let expected: unknown;
      if (spec.kind === 'boolean') {
        raw = spec.default ? 'false' : 'true';
        expected = !spec.default;
      } else if (spec.kind === 'integer') {
        // default + 1 stays within every range except the cross-key pairs, which we widen below.
        expected = (spec.default as number) + 1;
        raw = String(expected);
      } else if (spec.kind === 'enum') {
        raw = 'trace';
        expected = 'trace';
      } else {
        raw = spec.path ? '/abs/value' : 'value';
        expected = raw;
      }
      const env: NodeJS.ProcessEnv = { [spec.env]: raw };
      if (name === 'worker.pollMinMs') env.TQW_POLL_MAX_MS = '100000';
      if (name === 'worker.backoffBaseMs') env.TQW_BACKOFF_MAX_MS = '1000000';
      const { config, sources } = loadConfigWithSources({ env, cwd });
      expect([name, valueAt(config, name)]).toEqual([name, expected]);
      expect(sources[name]).toBe('env');
    }
  });

  it('env var names are unique and all start with TQW_', () => {
    const names = schemaKeys().map((k) => k.spec.env);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^TQW_[A-Z0-9_]+$/);
  });

  it('reads booleans strictly from env', () => {
    expect(loadConfig({ env: { TQW_TENANTS_WATCH: '0' }, cwd }).tenants.watch).toBe(false);
    expect(loadConfig({ env: { TQW_TENANTS_WATCH: 'off' }, cwd }).tenants.watch).toBe(false);
    expect(loadConfig({ env: { TQW_METRICS_TENANT_LABEL: 'FALSE' }, cwd }).metrics.tenantLabel).toBe(false);
    expect(loadConfig({ env: { TQW_TENANTS_WATCH: 'yes' }, cwd }).tenants.watch).toBe(true);
    const e = configError(() => loadConfig({ env: { TQW_TENANTS_WATCH: 'maybe' }, cwd }));
    expect(e.message).toBe(
      'config error in environment variable TQW_TENANTS_WATCH: tenants.watch must be true or false: value was "maybe" (fix or unset TQW_TENANTS_WATCH)',
    );
  });

  it('treats an empty env var as unset and lower-cases the log level', () => {
    const config = loadConfig({ env: { TQW_CONCURRENCY: '', TQW_LOG_LEVEL: 'DEBUG' }, cwd });
    expect(config.worker.concurrency).toBe(10);
    expect(config.log.level).toBe('debug');
  });

  it('resolves relative paths from the file against its directory, from env and defaults against cwd', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'etc'));
    const file = writeConfig({ tenants: { file: './tenants.json' } }, join(dir, 'etc'));
    const fromFile = loadConfig({ configFile: file, env: {}, cwd });
    expect(fromFile.tenants.file).toBe(join(dir, 'etc', 'tenants.json'));
    expect(fromFile.handlers.dir).toBe(join(cwd, 'handlers'));
    const fromEnv = loadConfig({ configFile: file, env: { TQW_TENANTS_FILE: 'x/t.json' }, cwd });
    expect(fromEnv.tenants.file).toBe(join(cwd, 'x', 't.json'));
  });
});

describe('loadConfig: errors are one clear line', () => {
  it('bad env value: names the env var, key, value and fix', () => {
    const e = configError(() => loadConfig({ env: { TQW_CONCURRENCY: 'ten' }, cwd }));
    expect(e.code).toBe('TQW_CONFIG_INVALID');
    expect(e.message).toBe(
      'config error in environment variable TQW_CONCURRENCY: worker.concurrency must be an integer between 1 and 10000: value was "ten" (fix or unset TQW_CONCURRENCY)',
    );
  });

  it('rejects trailing garbage that parseInt would accept', () => {
    const e = configError(() => loadConfig({ env: { TQW_LEASE_MS: '10abc' }, cwd }));
    expect(e.message).toContain('worker.leaseMs');
    expect(e.message).toContain('"10abc"');
  });

  it('out-of-range value in the file: names the file, key and value', () => {
    const file = writeConfig({ worker: { concurrency: 0 } });
    const e = configError(() => loadConfig({ configFile: file, env: {}, cwd }));
    expect(e.message).toBe(
      `config error in ${file}: worker.concurrency must be an integer between 1 and 10000: value was 0 (edit worker.concurrency in the file or set TQW_CONCURRENCY)`,
    );
  });

  it('out-of-range value from env blames the env var even with a file', () => {
    const file = writeConfig({ worker: { concurrency: 2 } });
    const e = configError(() => loadConfig({ configFile: file, env: { TQW_HTTP_PORT: '70000' }, cwd }));
    expect(e.message).toMatch(
      /^config error in environment variable TQW_HTTP_PORT: http\.port must be an integer between 0 and 65535: value was "70000"/,
    );
  });

  it('a non-integer in the file', () => {
    const file = writeConfig({ worker: { leaseMs: 1.5 } });
    expect(configError(() => loadConfig({ configFile: file, env: {}, cwd })).message).toContain(
      'worker.leaseMs must be an integer: value was 1.5',
    );
  });

  it('a value of the wrong JSON type in the file', () => {
    const file = writeConfig({ worker: { concurrency: 'ten' } });
    const e = configError(() => loadConfig({ configFile: file, env: {}, cwd }));
    expect(e.message).toBe(
      `config error in ${file}: worker.concurrency must be a JSON number (integer between 1 and 10000), not a string: value was "ten" (edit the file or set TQW_CONCURRENCY)`,
    );
  });

  it('an invalid log level lists the allowed ones', () => {
    const e = configError(() => loadConfig({ env: { TQW_LOG_LEVEL: 'loud' }, cwd }));
    expect(e.message).toContain('log.level must be one of the possible values');
    expect(e.message).toContain('"loud"');
  });

  it('unknown key, with a suggestion', () => {
    const file = writeConfig({ worker: { concurency: 5 } });
    const e = configError(() => loadConfig({ configFile: file, env: {}, cwd }));
    expect(e.message).toBe(
      `config error in ${file}: unknown key "worker.concurency" (did you mean "worker.concurrency"?) (run 'tqw config --docs' for every key)`,
    );
  });

  it('unknown section', () => {
    const file = writeConfig({ wrker: { concurrency: 5 } });
    expect(configError(() => loadConfig({ configFile: file, env: {}, cwd })).message).toContain(
      'unknown section "wrker" (did you mean "worker"?)',
    );
    const other = writeConfig({ database: {} });
    expect(configError(() => loadConfig({ configFile: other, env: {}, cwd })).message).toContain('unknown section "database"');
  });

  it('a section that is not an object', () => {
    const file = writeConfig({ worker: 5 });
    expect(configError(() => loadConfig({ configFile: file, env: {}, cwd })).message).toContain('"worker" must be an object');
  });

  it('malformed JSON: names the file, line and column', () => {
    const file = writeConfig('{\n  "worker": { "concurrency": 5, }\n}');
    const e = configError(() => loadConfig({ configFile: file, env: {}, cwd }));
    expect(e.message).toMatch(
      new RegExp(
        `^config error in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: .*line 2 column \\d+.*\\(fix the JSON syntax\\)$`,
      ),
    );
  });

  it('a JSON value that is not an object', () => {
    const file = writeConfig('[1, 2]');
    expect(configError(() => loadConfig({ configFile: file, env: {}, cwd })).message).toContain('must hold a JSON object');
  });

  it('an empty file', () => {
    const file = writeConfig('');
    expect(configError(() => loadConfig({ configFile: file, env: {}, cwd })).message).toBe(
      `config error in ${file}: the file is empty (write {} to use the defaults)`,
    );
  });

  it('a missing file, named', () => {
    const file = join(tempDir(), 'nope.json');
    expect(configError(() => loadConfig({ configFile: file, env: {}, cwd })).message).toBe(
      `config error: config file ${file} does not exist (check --config or TQW_CONFIG)`,
    );
  });

  it('a directory instead of a file', () => {
    const dir = tempDir();
    expect(configError(() => loadConfig({ configFile: dir, env: {}, cwd })).message).toContain('is a directory');
  });

  it('cross-key rules: pollMinMs <= pollMaxMs, backoffBaseMs <= backoffMaxMs', () => {
    const e = configError(() => loadConfig({ env: { TQW_POLL_MIN_MS: '5000' }, cwd }));
    expect(e.message).toBe(
      'config error in environment variable TQW_POLL_MIN_MS: worker.pollMinMs (5000) must be <= worker.pollMaxMs (2000) (lower worker.pollMinMs or raise worker.pollMaxMs)',
    );
    const file = writeConfig({ worker: { backoffMaxMs: 10 } });
    expect(configError(() => loadConfig({ configFile: file, env: {}, cwd })).message).toBe(
      `config error in ${file}: worker.backoffBaseMs (1000) must be <= worker.backoffMaxMs (10) (lower worker.backoffBaseMs or raise worker.backoffMaxMs)`,
    );
  });

  it('timer keys stay within what setTimeout can represent', () => {
    const e = configError(() => loadConfig({ env: { TQW_HANDLER_TIMEOUT_MS: '3000000000' }, cwd }));
    expect(e.message).toContain('worker.handlerTimeoutMs must be an integer between 1 and 2147483647');
    // Retention ages are not timers: 30 days is fine.
    expect(loadConfig({ env: { TQW_RETENTION_COMPLETED_MAX_AGE_MS: String(30 * 86_400_000) }, cwd }).retention.completedMaxAgeMs).toBe(
      30 * 86_400_000,
    );
  });

  it('retention batch size stays below SQL Server lock escalation', () => {
    expect(configError(() => loadConfig({ env: { TQW_RETENTION_BATCH_SIZE: '5000' }, cwd })).message).toContain(
      'retention.batchSize must be an integer between 1 and 4000',
    );
  });
});
