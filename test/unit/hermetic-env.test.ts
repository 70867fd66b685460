/**
 * The test environment's scrubbing (test/support/hermetic-env.ts): which variables count as ambient
 * config, and that this test file's own process.env holds none of them (test/cli/cli-ambient-env.test.ts
 * runs this file again under an environment full of them).
 */
import { loadConfigWithSources } from '../../src/config/load-config';
import { CONFIG_SCHEMA, schemaKeys } from '../../src/config/schema';
import { childEnv, isAmbientConfig, withoutAmbientConfig } from '../support/hermetic-env';

describe('ambient config variables', () => {
  test("every config key's variable, TQW_CONFIG, libpq's PG* and the examples' EXAMPLE_* are ambient config", () => {
    const names = schemaKeys(CONFIG_SCHEMA).map((k) => k.spec.env);
    expect(names).toContain('TQW_TENANTS_FILE');
    for (const name of [
      ...names,
      'TQW_CONFIG',
      'TQW_BENCH_ROOT',
      'PGHOST',
      'PGPASSWORD',
      'PGCONNECT_TIMEOUT',
      'EXAMPLE_EMAIL_FAILURE_RATE',
    ]) {
      expect([name, isAmbientConfig(name)]).toEqual([name, true]);
    }
  });

  test("the test run's own settings and everything else stay", () => {
    for (const name of [
      'PG_URL',
      'MSSQL_URL',
      'TEST_BABELFISH_DIR',
      'TQW_TEST_PG_ADMIN_URL',
      'TQW_CONTAINER_ENGINE',
      'TQW_RELIABILITY_SEED',
      'PATH',
      'HOME',
      'NODE_OPTIONS',
    ]) {
      expect([name, isAmbientConfig(name)]).toEqual([name, false]);
    }
  });

  test('withoutAmbientConfig copies; childEnv adds what the test sets itself after the scrubbing', () => {
    const env = { TQW_TENANTS_FILE: '/elsewhere/tenants.json', PGUSER: 'someone', PATH: '/bin' };
    expect(withoutAmbientConfig(env)).toEqual({ PATH: '/bin' });
    expect(env.TQW_TENANTS_FILE).toBe('/elsewhere/tenants.json');
    expect(childEnv({ TQW_CONCURRENCY: '3' })).toMatchObject({ TQW_CONCURRENCY: '3' });
  });

  test("this test file's process.env holds no ambient config, so tqw reads only defaults from it", () => {
    expect(Object.keys(process.env).filter(isAmbientConfig)).toEqual([]);
    const { sources, configFile } = loadConfigWithSources({ cwd: __dirname });
    expect(configFile).toBeUndefined();
    expect(Object.entries(sources).filter(([, source]) => source !== 'default')).toEqual([]);
  });
});
