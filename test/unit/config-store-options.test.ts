/**
 * The config keys that become StoreOptions: retention.deleteOnCompletion, db.asyncCommit and
 * db.asyncClaims. Each defaults to the store default (the first two off, asyncClaims on), is read
 * from the file and from its env var (env wins), mapped
 * onto StoreOptions, and a value that is not a boolean stops start-up with the standard one-line
 * ConfigError.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadConfigWithSources } from '../../src/config/load-config';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { toStoreOptions } from '../../src/config/to-options';
import type { TqwConfig } from '../../src/config/schema';
import { configError as configErrorOf, writeConfig } from '../support/config-files';
import { DEFAULT_STORE_OPTIONS, type StoreOptions } from '../../src/store/types';

const cwd = mkdtempSync(join(tmpdir(), 'tqw-config-store-options-'));
const configError = (fn: () => unknown): string => configErrorOf(fn).message;

interface OptionKey {
  /** The config key, section.name. */
  key: string;
  section: 'retention' | 'db';
  name: 'deleteOnCompletion' | 'asyncCommit' | 'asyncClaims';
  /** Its default (the store default). */
  byDefault: boolean;
  option: keyof StoreOptions;
  env: string;
  /** Words its documentation must carry (what it trades). */
  doc: RegExp;
}

const KEYS: OptionKey[] = [
  {
    key: 'retention.deleteOnCompletion',
    section: 'retention',
    name: 'deleteOnCompletion',
    option: 'deleteOnCompletion',
    byDefault: false,
    env: 'TQW_RETENTION_DELETE_ON_COMPLETION',
    doc: /Completed history/,
  },
  {
    key: 'db.asyncCommit',
    section: 'db',
    name: 'asyncCommit',
    option: 'asyncCommit',
    byDefault: false,
    env: 'TQW_DB_ASYNC_COMMIT',
    doc: /crash of the database server.*run again.*exactly-once/,
  },
  {
    key: 'db.asyncClaims',
    section: 'db',
    name: 'asyncClaims',
    option: 'asyncClaims',
    byDefault: true,
    env: 'TQW_DB_ASYNC_CLAIMS',
    doc: /worker crash loses nothing.*crash of the database server.*attempt not counted.*exactly-once effects hold/,
  },
];

const valueOf = (config: TqwConfig, k: OptionKey): unknown => (config[k.section] as unknown as Record<string, unknown>)[k.name];
const fileWith = (k: OptionKey, value: unknown) => writeConfig({ [k.section]: { [k.name]: value } });

describe.each(KEYS)('$key', (k) => {
  test('defaults to the store default and is documented with its env var', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(valueOf(config, k)).toBe(k.byDefault);
    expect(toStoreOptions(config)).toEqual({ deleteOnCompletion: false, asyncCommit: false, asyncClaims: true });
    expect(DEFAULT_STORE_OPTIONS[k.option]).toBe(k.byDefault);
    const schema = (CONFIG_SCHEMA[k.section] as unknown as Record<string, { doc: string }>)[k.name];
    expect(schema).toMatchObject({ env: k.env, kind: 'boolean', default: k.byDefault });
    expect(schema!.doc).toMatch(k.doc);
  });

  test('read from the file, and the env var overrides the file', () => {
    const file = fileWith(k, !k.byDefault);
    const fromFile = loadConfigWithSources({ configFile: file, env: {}, cwd });
    expect(valueOf(fromFile.config, k)).toBe(!k.byDefault);
    expect(fromFile.sources[k.key]).toBe('file');
    expect(toStoreOptions(fromFile.config)).toEqual({ ...DEFAULT_STORE_OPTIONS, [k.option]: !k.byDefault });

    const overridden = loadConfigWithSources({ configFile: file, env: { [k.env]: String(k.byDefault) }, cwd });
    expect(valueOf(overridden.config, k)).toBe(k.byDefault);
    expect(overridden.sources[k.key]).toBe('env');
  });

  test.each([
    ['true', true],
    ['1', true],
    ['FALSE', false],
    ['off', false],
  ])('env %s reads as %s', (raw, expected) => {
    expect(valueOf(loadConfig({ env: { [k.env]: raw }, cwd }), k)).toBe(expected);
  });

  test('a value that is not a boolean is one clear line naming the key, the value and the fix', () => {
    expect(configError(() => loadConfig({ env: { [k.env]: 'sometimes' }, cwd }))).toBe(
      `config error in environment variable ${k.env}: ${k.key} must be true or false: value was "sometimes" (fix or unset ${k.env})`,
    );
    const quoted = fileWith(k, 'yes');
    expect(configError(() => loadConfig({ configFile: quoted, env: {}, cwd }))).toBe(
      `config error in ${quoted}: ${k.key} must be a JSON boolean (true or false), not a string: value was "yes" (edit the file or set ${k.env})`,
    );
    const numeric = fileWith(k, 1);
    expect(configError(() => loadConfig({ configFile: numeric, env: {}, cwd }))).toContain(
      `${k.key} must be a JSON boolean (true or false), not a number: value was 1`,
    );
  });
});
