/**
 * retention.deleteOnCompletion: off by default (the store default), read from the file and from
 * TQW_RETENTION_DELETE_ON_COMPLETION (env wins), mapped onto StoreOptions, and a value that is not
 * a boolean stops start-up with the standard one-line ConfigError.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadConfigWithSources } from '../../src/config/load-config';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { toStoreOptions } from '../../src/config/to-options';
import { ConfigError } from '../../src/errors';
import { DEFAULT_STORE_OPTIONS } from '../../src/store/types';

const cwd = mkdtempSync(join(tmpdir(), 'tqw-config-delete-'));
const ENV = 'TQW_RETENTION_DELETE_ON_COMPLETION';

function writeConfig(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tqw-config-delete-file-')), 'config.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

test('off by default, equal to the store default, and documented with its env var', () => {
  const config = loadConfig({ env: {}, cwd });
  expect(config.retention.deleteOnCompletion).toBe(false);
  expect(toStoreOptions(config)).toEqual({ deleteOnCompletion: false });
  expect(DEFAULT_STORE_OPTIONS.deleteOnCompletion).toBe(false);
  expect(CONFIG_SCHEMA.retention.deleteOnCompletion).toMatchObject({ env: ENV, kind: 'boolean', default: false });
  expect(CONFIG_SCHEMA.retention.deleteOnCompletion.doc).toMatch(/Completed history/);
});

test('read from the file, and the env var overrides the file', () => {
  const file = writeConfig({ retention: { deleteOnCompletion: true } });
  const fromFile = loadConfigWithSources({ configFile: file, env: {}, cwd });
  expect(fromFile.config.retention.deleteOnCompletion).toBe(true);
  expect(fromFile.sources['retention.deleteOnCompletion']).toBe('file');
  expect(toStoreOptions(fromFile.config)).toEqual({ deleteOnCompletion: true });

  const overridden = loadConfigWithSources({ configFile: file, env: { [ENV]: 'false' }, cwd });
  expect(overridden.config.retention.deleteOnCompletion).toBe(false);
  expect(overridden.sources['retention.deleteOnCompletion']).toBe('env');
});

test.each([
  ['true', true],
  ['1', true],
  ['FALSE', false],
  ['off', false],
])('env %s reads as %s', (raw, expected) => {
  expect(loadConfig({ env: { [ENV]: raw }, cwd }).retention.deleteOnCompletion).toBe(expected);
});

test('a value that is not a boolean is one clear line naming the key, the value and the fix', () => {
  expect(configError(() => loadConfig({ env: { [ENV]: 'sometimes' }, cwd }))).toBe(
    `config error in environment variable ${ENV}: retention.deleteOnCompletion must be true or false: value was "sometimes" (fix or unset ${ENV})`,
  );
  const quoted = writeConfig({ retention: { deleteOnCompletion: 'yes' } });
  expect(configError(() => loadConfig({ configFile: quoted, env: {}, cwd }))).toBe(
    `config error in ${quoted}: retention.deleteOnCompletion must be a JSON boolean (true or false), not a string: value was "yes" (edit the file or set ${ENV})`,
  );
  const numeric = writeConfig({ retention: { deleteOnCompletion: 1 } });
  expect(configError(() => loadConfig({ configFile: numeric, env: {}, cwd }))).toContain(
    'retention.deleteOnCompletion must be a JSON boolean (true or false), not a number: value was 1',
  );
});
