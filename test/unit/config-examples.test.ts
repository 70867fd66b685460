import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { schemaKeys } from '../../src/config/schema';
import { loadTenants } from '../../src/tenants/load-tenants';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');

describe('config/ examples', () => {
  it('config.example.json sets every key, at its default (except the example paths)', () => {
    const file = join(CONFIG_DIR, 'config.example.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    const config = loadConfig({ configFile: file, env: {} }) as unknown as Record<string, Record<string, unknown>>;
    for (const { section, key, spec } of schemaKeys()) {
      expect([section, key, key in (raw[section] ?? {})]).toEqual([section, key, true]);
      if (!spec.path) expect([section, key, config[section][key]]).toEqual([section, key, spec.default]);
    }
    // Ready to copy: the tenants file and the handlers beside the copy (README, "PostgreSQL you already run").
    expect(config.tenants.file).toBe(join(CONFIG_DIR, 'tenants.json'));
    expect(config.handlers.dir).toBe(join(CONFIG_DIR, 'handlers'));
  });

  it('tenants.example.json loads, with every form and a shared pool for schema-per-tenant', () => {
    const env = {
      ACME_DB_PASSWORD: 'a-pw-1234',
      SHARED_DB_PASSWORD: 'shared-pw-1234',
      UMBRELLA_DB_PASSWORD: 'u-pw-1234',
      HOOLI_DB_PASSWORD: 'h-pw-1234',
    };
    const tenants = loadTenants(join(CONFIG_DIR, 'tenants.example.json'), env);
    expect(tenants.map((t) => [t.id, t.dialect])).toEqual([
      ['acme', 'postgres'],
      ['globex', 'postgres'],
      ['initech', 'postgres'],
      ['umbrella', 'sqlserver'],
      ['hooli', 'sqlserver'],
    ]);
    expect(tenants[1].poolKey).toBe(tenants[2].poolKey);
    expect(new Set(tenants.map((t) => t.poolKey)).size).toBe(4);
    for (const t of tenants) expect(t.redactedConnection).not.toMatch(/pw-1234/);
  });
});
