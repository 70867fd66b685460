/**
 * docker-compose.yml, checked without a Docker engine: `docker-compose config` (Debian's 1.29, or the Compose v2
 * plugin) accepts it, and the services fit together: start-up order, one shared tqw image, passwords that agree
 * between the service that sets them and the ones that use them, tenants files that pass the application's own
 * validation, bind mounts whose sources exist, and a stop grace period longer than the worker's drain deadline.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { parseConnectionString } from '../../src/tenants/connection-string';
import { loadTenants } from '../../src/tenants/load-tenants';
import { readRepoFile, readYaml, repoFileExists } from './support/repo';
import { compose, runTool } from './support/tools';

interface Service {
  image?: string;
  build?: { context: string } | string;
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string>;
  entrypoint?: string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  stop_grace_period?: string;
  platform?: string;
}
const file = readYaml<{ services: Record<string, Service>; volumes?: Record<string, unknown> }>('docker-compose.yml');
const services = file.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** Compose's own interpolation for the forms used here: ${VAR:-default} and ${VAR} (empty when unset), $$ -> $. */
function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, name?: string, fallback?: string) =>
    match === '$$' ? '$' : (env[name!] ?? fallback ?? ''),
  );
}
/** A service's environment as its container sees it with the documented defaults. */
function environmentOf(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]));
}
function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]) / (match[2] === 'ms' ? 1000 : match[2] === 'm' ? 1 / 60 : 1);
}
/** Bind mounts of a service as { source (repo-relative), target }. */
function bindMounts(name: string): Array<{ source: string; target: string }> {
  return (service(name).volumes ?? [])
    .filter((volume) => volume.startsWith('./'))
    .map((volume) => {
      const [source, target] = volume.split(':');
      return { source: source!.slice(2), target: target! };
    });
}
/** SQL Server's password policy (CHECK_POLICY, and the sa password check of the container). */
function meetsSqlServerPolicy(password: string): boolean {
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return password.length >= 8 && classes >= 3;
}

const WORKER_IMAGE_SERVICES = ['init', 'worker', 'producer'];

describe('docker-compose.yml', () => {
  const composeCheck = compose
    ? `\`${compose.join(' ')} config -q\` accepts it`
    : 'docker-compose config -q (skipped: neither docker-compose nor `docker compose` is installed; apt-get install docker-compose)';
  (compose ? test : test.skip)(composeCheck, () => {
    const result = runTool(compose![0]!, [...compose!.slice(1), '-f', 'docker-compose.yml', 'config', '-q']);
    expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: '' });
  });

  (compose ? test : test.skip)('the validator rejects a broken compose file (so the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tqw-compose-broken-'));
    const broken = readRepoFile('docker-compose.yml').replace('condition: service_completed_successfully', 'condition: service_finished');
    writeFileSync(join(dir, 'docker-compose.yml'), broken);
    const result = runTool(compose![0]!, [...compose!.slice(1), '-f', join(dir, 'docker-compose.yml'), 'config', '-q']);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/service_finished/);
  });

  test('has the demo services', () => {
    expect(Object.keys(services).sort()).toEqual(['grafana', 'init', 'mssql', 'producer', 'prometheus', 'worker']);
  });

  test('SQL Server 2022 with a sqlcmd healthcheck', () => {
    const mssql = service('mssql');
    expect(mssql.image).toMatch(/^mcr\.microsoft\.com\/mssql\/server:2022-/);
    expect(environmentOf('mssql').ACCEPT_EULA).toBe('Y');
    const check = (mssql.healthcheck?.test ?? []).join(' ');
    expect(check).toContain('/opt/mssql-tools18/bin/sqlcmd -C');
    expect(check).toContain('SELECT 1');
    // The password is read by the container's shell, not interpolated by compose into the command line.
    expect(interpolate(check)).toContain('"${MSSQL_SA_PASSWORD}"');
  });

  test('start-up order: mssql healthy -> init completed -> worker and producer', () => {
    expect(service('init').depends_on).toEqual({ mssql: { condition: 'service_healthy' } });
    expect(service('worker').depends_on).toEqual({ init: { condition: 'service_completed_successfully' } });
    expect(service('producer').depends_on).toEqual({ init: { condition: 'service_completed_successfully' } });
  });

  test('init, worker and producer run the one tqw image built from this repository', () => {
    const images = WORKER_IMAGE_SERVICES.map((name) => ({ name, image: service(name).image, build: service(name).build }));
    for (const entry of images) expect(entry).toEqual({ name: entry.name, image: 'tenant-queue-worker:local', build: { context: '.' } });
  });

  test('the worker keeps the image entrypoint and default command (tqw run); init and producer override it with tini', () => {
    expect(service('worker').entrypoint).toBeUndefined();
    expect(service('init').entrypoint).toEqual(['/usr/bin/tini', '--', '/bin/sh', '/app/docker/init/init.sh']);
    expect(service('producer').entrypoint).toEqual(['/usr/bin/tini', '--', 'node', '/app/docker/producer/produce.js']);
    // The image's HEALTHCHECK probes the worker's HTTP server, which init and producer do not run.
    expect(service('init').healthcheck).toEqual({ disable: true });
    expect(service('producer').healthcheck).toEqual({ disable: true });
  });

  test('the worker gets longer to stop than its drain deadline (worker.shutdownTimeoutMs)', () => {
    const drainSeconds = CONFIG_SCHEMA.worker.shutdownTimeoutMs.default / 1000;
    expect(seconds(service('worker').stop_grace_period ?? '10s')).toBeGreaterThan(drainSeconds);
  });

  test("the worker publishes the application's default HTTP port", () => {
    const port = CONFIG_SCHEMA.http.port.default;
    expect((service('worker').ports ?? []).map((p) => interpolate(p))).toContain(`${port}:${port}`);
  });

  test('every bind mount source exists, and the scripts the entrypoints run are inside a mount', () => {
    const missing = Object.keys(services).flatMap((name) =>
      bindMounts(name)
        .filter((mount) => !repoFileExists(mount.source))
        .map((mount) => `${name}: ${mount.source}`),
    );
    expect(missing).toEqual([]);
    const mountedFile = (name: string, containerPath: string) =>
      bindMounts(name).some(
        (m) => containerPath.startsWith(`${m.target}/`) && repoFileExists(`${m.source}${containerPath.slice(m.target.length)}`),
      );
    expect(mountedFile('init', '/app/docker/init/init.sh')).toBe(true);
    expect(mountedFile('init', '/app/docker/init/setup-mssql.js')).toBe(true);
    expect(mountedFile('init', '/app/docker/mssql/create-login.sql')).toBe(true);
    expect(mountedFile('init', '/app/examples/sql/products.sqlserver.sql')).toBe(true);
    expect(mountedFile('producer', '/app/docker/producer/produce.js')).toBe(true);
    // produce.js requires the demo's mix and pacing from ../../examples/demo.
    expect(mountedFile('producer', '/app/examples/demo/message-mix.js')).toBe(true);
    expect(mountedFile('producer', '/app/examples/demo/producer.js')).toBe(true);
    expect(bindMounts('worker')).toEqual([{ source: 'docker/tenants.json', target: '/etc/tqw/tenants.json' }]);
  });

  test('passwords agree between the service that sets them and the services that use them, and meet SQL Server policy', () => {
    const mssql = environmentOf('mssql');
    const init = environmentOf('init');
    const worker = environmentOf('worker');
    const producer = environmentOf('producer');
    const pairs = {
      sa: [mssql.MSSQL_SA_PASSWORD, init.MSSQL_SA_PASSWORD, parseConnectionString(init.SETUP_ADMIN_CONNECTION!).password],
      worker: [init.WORKER_PASSWORD, worker.TQW_WORKER_PASSWORD],
      producer: [init.PRODUCER_PASSWORD, producer.PRODUCER_PASSWORD],
    };
    for (const [who, values] of Object.entries(pairs)) {
      expect({ who, distinct: new Set(values).size, defined: values.every((v) => typeof v === 'string' && v !== '') }).toEqual({
        who,
        distinct: 1,
        defined: true,
      });
      expect({ who, meetsPolicy: meetsSqlServerPolicy(values[0]!) }).toEqual({ who, meetsPolicy: true });
    }
    // Three different principals, three different passwords.
    expect(new Set([pairs.sa[0], pairs.worker[0], pairs.producer[0]]).size).toBe(3);
  });

  test("the worker's tenants file passes the application's validation with the worker's environment, as the least-privilege login", () => {
    const tenants = loadTenants(tenantsFile('docker/tenants.json'), environmentOf('worker'));
    expect(tenants.map((t) => [t.id, t.dialect])).toEqual([
      ['tenant_a', 'sqlserver'],
      ['tenant_b', 'sqlserver'],
      ['tenant_c', 'sqlserver'],
    ]);
    for (const tenant of tenants) {
      const parsed = parseConnectionString(tenant.connectionString);
      expect({ id: tenant.id, host: parsed.host, port: parsed.port, database: parsed.database, user: parsed.user }).toEqual({
        id: tenant.id,
        host: 'mssql',
        port: 1433,
        database: tenant.id,
        user: environmentOf('init').WORKER_LOGIN,
      });
      expect(parsed.password).toBe(environmentOf('worker').TQW_WORKER_PASSWORD);
    }
  });

  test('init migrates the same databases as sa, creates the same databases, and the producer writes to the same tenants', () => {
    const init = environmentOf('init');
    const adminFile = bindMounts('init').find((m) => m.target === init.TQW_TENANTS_FILE);
    expect(adminFile?.source).toBe('docker/tenants.admin.json');
    const admin = loadTenants(tenantsFile(adminFile!.source), init);
    const worker = loadTenants(tenantsFile('docker/tenants.json'), environmentOf('worker'));
    expect(admin.map((t) => [t.id, parseConnectionString(t.connectionString).database])).toEqual(
      worker.map((t) => [t.id, parseConnectionString(t.connectionString).database]),
    );
    for (const tenant of admin) expect(parseConnectionString(tenant.connectionString).user).toBe('sa');
    const ids = worker.map((t) => t.id).join(',');
    expect(init.SETUP_TENANT_DATABASES).toBe(ids);
    expect(environmentOf('producer').PRODUCER_TENANTS).toBe(ids);
    expect(environmentOf('producer').PRODUCER_LOGIN).toBe(init.PRODUCER_LOGIN);
  });

  test('Prometheus gets docker/prometheus and Grafana its provisioning and dashboards', () => {
    expect(bindMounts('prometheus')).toEqual([{ source: 'docker/prometheus', target: '/etc/prometheus' }]);
    const grafana = bindMounts('grafana');
    expect(grafana).toEqual(
      expect.arrayContaining([
        { source: 'docker/grafana/provisioning', target: '/etc/grafana/provisioning' },
        { source: 'docker/grafana/dashboards', target: '/etc/grafana/dashboards' },
      ]),
    );
    const provider = load(readRepoFile('docker/grafana/provisioning/dashboards/tqw.yml')) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(provider.providers[0]!.options.path).toBe('/etc/grafana/dashboards');
    const home = environmentOf('grafana').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(repoFileExists(`docker/grafana/dashboards/${home.slice('/etc/grafana/dashboards/'.length)}`)).toBe(true);
  });

  test('init.sh runs the SQL setup, then tqw migrate, then the grants', () => {
    const steps = readRepoFile('docker/init/init.sh')
      .split('\n')
      .filter((line) => /^\s*node /.test(line))
      .map((line) => line.trim());
    expect(steps).toEqual([
      'node /app/docker/init/setup-mssql.js before-migrate',
      'node /app/bin/tqw.js migrate',
      'node /app/docker/init/setup-mssql.js after-migrate',
    ]);
    expect(readRepoFile('docker/init/init.sh')).toMatch(/^set -eu$/m);
  });
});

/** A copy of a repository tenants file in a temp dir (loadTenants reads a path). */
function tenantsFile(relativePath: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tqw-compose-tenants-'));
  const path = join(dir, 'tenants.json');
  writeFileSync(path, readRepoFile(relativePath));
  return path;
}
