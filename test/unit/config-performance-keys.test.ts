/**
 * The configuration keys of the performance work (docs/performance.md): defaults equal the engine's, values
 * reach the worker and the NOTIFY listeners, and bad values stop start-up with one clear line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { toNotifyOptions, toWorkerOptions } from '../../src/config/to-options';
import { ConfigError } from '../../src/errors';
import { DEFAULT_NOTIFY_OPTIONS } from '../../src/store/postgres/notify-listener';
import { DEFAULT_WORKER_OPTIONS } from '../../src/worker/options';

const cwd = mkdtempSync(join(tmpdir(), 'tqw-config-perf-'));

test('defaults are the engine defaults', () => {
  const config = loadConfig({ env: {}, cwd });
  expect(toWorkerOptions(config)).toEqual(DEFAULT_WORKER_OPTIONS);
  expect(toNotifyOptions(config)).toEqual({
    maxListeners: DEFAULT_NOTIFY_OPTIONS.maxListeners,
    connectTimeoutMs: config.db.connectTimeoutMs,
  });
  expect(DEFAULT_WORKER_OPTIONS).toMatchObject({
    batchSize: 1_000,
    prefetch: 2_000,
    notify: true,
    notifyBackstopMs: 30_000,
    sqlServerProbeMs: 250,
  });
});

test('env vars reach the worker options and the listener options', () => {
  const config = loadConfig({
    env: {
      TQW_PREFETCH: '500',
      TQW_NOTIFY: 'false',
      TQW_NOTIFY_BACKSTOP_MS: '120000',
      TQW_SQLSERVER_PROBE_MS: '200',
      TQW_DB_NOTIFY_LISTENERS_MAX: '3',
      TQW_DB_CONNECT_TIMEOUT_MS: '2500',
    },
    cwd,
  });
  expect(toWorkerOptions(config)).toMatchObject({ prefetch: 500, notify: false, notifyBackstopMs: 120_000, sqlServerProbeMs: 200 });
  expect(toNotifyOptions(config)).toEqual({ maxListeners: 3, connectTimeoutMs: 2_500 });
});

test.each([
  ['TQW_PREFETCH', '-1', 'worker.prefetch must be an integer between 0 and 10000'],
  ['TQW_NOTIFY', 'sometimes', 'worker.notify must be true or false'],
  ['TQW_SQLSERVER_PROBE_MS', '0', 'worker.sqlServerProbeMs must be an integer between 1 and'],
  ['TQW_DB_NOTIFY_LISTENERS_MAX', '1.5', 'db.notifyListenersMax must be an integer'],
])('%s=%s is refused: %s', (name, value, message) => {
  let error: unknown;
  try {
    loadConfig({ env: { [name]: value }, cwd });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toContain(message);
  expect((error as ConfigError).message).not.toContain('\n');
});
