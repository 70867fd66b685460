import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors';
import { detectDialect, parseConnectionString } from '../../src/tenants/connection-string';
import { expandEnv } from '../../src/tenants/expand-env';
import { loadTenants } from '../../src/tenants/load-tenants';
import { tenantSecrets } from '../../src/tenants/tenant-secrets';

const dir = mkdtempSync(join(tmpdir(), 'tqw-tenants-'));
let counter = 0;

function writeTenants(value: unknown): string {
  const file = join(dir, `tenants-${counter++}.json`);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

function tenantsError(value: unknown, env: NodeJS.ProcessEnv = {}): ConfigError & { file: string } {
  const file = writeTenants(value);
  try {
    loadTenants(file, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(`tenants file ${file}: `)).toBe(true);
    return Object.assign(e, { file });
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const PG = 'postgres://worker:s3cret-pg@db.example.com:5432/app';

describe('loadTenants: file shapes', () => {
  it('reads a plain array', () => {
    const tenants = loadTenants(writeTenants([{ id: 'acme', connectionString: PG, schema: 'acme_q' }]), {});
    expect(tenants).toEqual([
      {
        id: 'acme',
        dialect: 'postgres',
        connectionString: PG,
        schema: 'acme_q',
        redactedConnection: 'postgres://worker:***@db.example.com:5432/app',
        poolKey: expect.any(String),
      },
    ]);
  });

  it('reads { "tenants": [...] } and an absent or null schema', () => {
    const tenants = loadTenants(
      writeTenants({
        tenants: [
          { id: 'a', connectionString: PG },
          { id: 'b', connectionString: 'postgres://worker:s3cret-pg@db.example.com:5432/other', schema: null },
        ],
      }),
      {},
    );
    expect(tenants.map((t) => [t.id, t.schema])).toEqual([
      ['a', undefined],
      ['b', undefined],
    ]);
  });

  it('accepts an empty list', () => {
    expect(loadTenants(writeTenants([]), {})).toEqual([]);
  });
});

describe('loadTenants: ${VAR} expansion', () => {
  it('replaces ${VAR} from the given env, and $${ is a literal ${', () => {
    const [t] = loadTenants(
      writeTenants([{ id: 'a', connectionString: 'postgres://worker:${ACME_PW}@${DB_HOST}:5432/app?application_name=x$${y}' }]),
      { ACME_PW: 'from-env-pw', DB_HOST: 'pg.internal' },
    );
    expect(t.connectionString).toBe('postgres://worker:from-env-pw@pg.internal:5432/app?application_name=x${y}');
    expect(t.redactedConnection).toBe('postgres://worker:***@pg.internal:5432/app?application_name=x${y}');
  });

  it('an unset variable is TQW_ENV_VAR_UNSET naming the tenant and the variable', () => {
    const e = tenantsError([{ id: 'acme', connectionString: 'Server=db;Database=app;User Id=w;Password=${ACME_DB_PASSWORD}' }]);
    expect(e.code).toBe('TQW_ENV_VAR_UNSET');
    expect(e.message).toBe(
      `tenants file ${e.file}: tenants[0] (id 'acme'): connectionString: environment variable ACME_DB_PASSWORD is not set ` +
        '(set it, e.g. from a Kubernetes Secret, or remove ${ACME_DB_PASSWORD})',
    );
  });

  it('an empty variable is an error too', () => {
    const e = tenantsError([{ id: 'acme', connectionString: 'postgres://w:${PW}@h/db' }], { PW: '' });
    expect(e.code).toBe('TQW_ENV_VAR_UNSET');
    expect(e.message).toContain('environment variable PW is empty');
  });

  it('malformed references', () => {
    expect(() => expandEnv('a${', {}, { where: 'x' })).toThrow("x: '${' is not closed by '}'");
    expect(() => expandEnv('a${1A}', {}, { where: 'x' })).toThrow('${1A} is not a valid variable reference');
    expect(expandEnv('no references', {}, { where: 'x' })).toBe('no references');
  });
});

describe('loadTenants: validation', () => {
  it('duplicate ids, also differing only in case', () => {
    const e = tenantsError([
      { id: 'acme', connectionString: PG, schema: 'a' },
      { id: 'acme', connectionString: PG, schema: 'b' },
    ]);
    expect(e.code).toBe('TQW_TENANTS_INVALID');
    expect(e.message).toBe(
      `tenants file ${e.file}: tenants[1] (id 'acme'): duplicate id: tenants[0] (id 'acme') has the same id; every tenant needs its own id`,
    );
    const ci = tenantsError([
      { id: 'Acme', connectionString: PG, schema: 'a' },
      { id: 'acme', connectionString: PG, schema: 'b' },
    ]);
    expect(ci.message).toContain('compared case-insensitively');
  });

  it.each([
    ['a-b', 'dashes'],
    ['1abc', 'a leading digit'],
    ['x"; DROP TABLE y; --', 'injection'],
    ['a'.repeat(64), 'more than 63 characters'],
    ['', 'empty'],
  ])('rejects the schema %j (%s)', (schema) => {
    const e = tenantsError([{ id: 'acme', connectionString: PG, schema }]);
    expect(e.message).toContain(`tenants[0] (id 'acme'): schema ${JSON.stringify(schema)} is not a safe identifier`);
  });

  it('rejects a non-string schema', () => {
    expect(tenantsError([{ id: 'acme', connectionString: PG, schema: 5 }]).message).toContain('schema 5 is not a safe identifier');
  });

  it('ids: non-empty strings of at most 50 characters without surrounding whitespace', () => {
    expect(tenantsError([{ id: '', connectionString: PG }]).message).toContain('tenants[0]: id must be a non-empty string');
    expect(tenantsError([{ connectionString: PG }]).message).toContain('tenants[0]: id must be a non-empty string, not "missing"');
    expect(tenantsError([{ id: 7, connectionString: PG }]).message).toContain('id must be a non-empty string, not 7');
    expect(tenantsError([{ id: 'x'.repeat(51), connectionString: PG }]).message).toContain('id is 51 characters; at most 50');
    expect(tenantsError([{ id: ' acme', connectionString: PG }]).message).toContain('must not start or end with whitespace');
    expect(loadTenants(writeTenants([{ id: 'x'.repeat(50), connectionString: PG }]), {})).toHaveLength(1);
  });

  it('connectionString must be a non-empty string', () => {
    expect(tenantsError([{ id: 'a' }]).message).toContain(
      `tenants[0] (id 'a'): connectionString must be a non-empty string, not "missing"`,
    );
    expect(tenantsError([{ id: 'a', connectionString: '  ' }]).message).toContain('connectionString must be a non-empty string');
  });

  it('unknown fields, with a suggestion', () => {
    const e = tenantsError([{ id: 'a', connectionString: PG, shema: 'x' }]);
    expect(e.message).toBe(
      `tenants file ${e.file}: tenants[0] (id 'a'): unknown field "shema" (did you mean "schema"?); allowed: id, connectionString, schema, limits`,
    );
  });

  it('entries must be objects; the file must be a list', () => {
    expect(tenantsError(['postgres://x']).message).toContain('tenants[0]: must be an object');
    expect(tenantsError({ tenants: {} }).message).toContain('"tenants" must be an array of tenants, not a object');
    expect(tenantsError({ tenant: [] }).message).toContain('unknown top-level key "tenant"');
    expect(tenantsError('"x"').message).toContain('must hold an array of tenants');
  });

  it('two tenants on the same table are rejected', () => {
    const e = tenantsError([
      { id: 'a', connectionString: PG, schema: 'q' },
      { id: 'b', connectionString: 'postgres://other:pw2-other@DB.example.com:5432/app', schema: 'q' },
    ]);
    expect(e.message).toContain(`tenants[1] (id 'b'): uses the same QueueMessages table as tenants[0] (id 'a')`);
    expect(
      tenantsError([
        { id: 'a', connectionString: PG },
        { id: 'b', connectionString: PG },
      ]).message,
    ).toContain('same QueueMessages table');
  });

  it('missing, empty and malformed files are named; malformed JSON does not echo the file', () => {
    const missing = join(dir, 'missing.json');
    expect(() => loadTenants(missing, {})).toThrow(
      new ConfigError(`tenants file ${missing}: does not exist (set tenants.file or TQW_TENANTS_FILE to the tenants JSON file)`),
    );
    expect(tenantsError('').message).toContain('the file is empty');
    const e = tenantsError('[{"id": "a", "connectionString": "postgres://u:hunter2-secret@h/db" x}]');
    expect(e.message).toMatch(/not valid JSON: .*line 1 column \d+/);
    expect(e.message).not.toContain('hunter2');
    const e2 = tenantsError('[{"id": "a", "connectionString": postgres://u:hunter2-secret@h/db}]');
    expect(e2.message).not.toContain('hunter2');
  });
});

describe('dialect detection', () => {
  it.each([
    ['postgres://u:p@h:5432/db', 'postgres'],
    ['postgresql://u:p@h/db', 'postgres'],
    ['POSTGRES://u:p@h/db', 'postgres'],
    ['postgresql:///db?host=/var/run/postgresql', 'postgres'],
    ['mssql://sa:p@sql.example.com:1433/app', 'sqlserver'],
    ['sqlserver://sa:p@sql.example.com/INST/app', 'sqlserver'],
    ['Server=sql.example.com;Database=app;User Id=sa;Password=p;', 'sqlserver'],
    ['Data Source=tcp:sql,1433;Initial Catalog=app;User ID=sa;Password=p', 'sqlserver'],
    ['Address=sql;Database=app;Integrated Security=true', 'sqlserver'],
    ['server=sql;database=app;uid=sa;pwd=p', 'sqlserver'],
  ])('%s is %s', (connectionString, dialect) => {
    expect(detectDialect(connectionString)).toBe(dialect);
  });

  it.each([
    ['mysql://root:topsecret-my@h/db', "unsupported scheme 'mysql://'", 'mysql://root:***@h/db'],
    ['just some topsecret text', 'not a connection string', '(not shown: 24 characters in no known form)'],
    [
      'Database=app;User Id=sa;Password=topsecret-ado',
      'a key=value connection string must name its server',
      'Database=app;User Id=sa;Password=***',
    ],
    ['Server=sql;Password="topsecret-unterminated', 'malformed key=value connection string', 'Server=sql;Password=***'],
    ['postgres://u:topsecret/pw@host:5432/db', 'not a valid URL', 'postgres://u:***@host:5432/db'],
    ['postgres://u:topsecret-port@host:99999/db', 'not a valid URL', 'postgres://u:***@host:99999/db'],
  ])('rejects %s as TQW_CONNECTION_STRING_INVALID showing it redacted', (connectionString, reason, redacted) => {
    const e = tenantsError([{ id: 'acme', connectionString }]);
    expect(e.code).toBe('TQW_CONNECTION_STRING_INVALID');
    expect(e.message).toContain(`tenants[0] (id 'acme'): connectionString is invalid: ${reason}`);
    expect(e.message.endsWith(`: ${redacted}`)).toBe(true);
    expect(e.message).not.toContain('topsecret');
  });

  it('shows an invalid string as written, so ${VAR} values stay hidden', () => {
    const e = tenantsError([{ id: 'acme', connectionString: 'mysql://u:${PW}@h/db' }], { PW: 'topsecret-from-env' });
    expect(e.message.endsWith(': mysql://u:***@h/db')).toBe(true);
    const e2 = tenantsError([{ id: 'acme', connectionString: 'Database=app;Host=${H}' }], { H: 'topsecret-host' });
    expect(e2.message.endsWith(': Database=app;Host=${H}')).toBe(true);
  });

  it('parses the parts of every form', () => {
    expect(parseConnectionString('postgres://us%40er:p%40ss@DB.Example.com:6432/app?sslmode=disable')).toMatchObject({
      dialect: 'postgres',
      host: 'db.example.com',
      port: 6432,
      database: 'app',
      user: 'us@er',
      password: 'p@ss',
    });
    expect(parseConnectionString('postgresql:///app?host=/var/run/postgresql&user=w&password=pw')).toMatchObject({
      host: '/var/run/postgresql',
      database: 'app',
      user: 'w',
      password: 'pw',
    });
    expect(parseConnectionString('mssql://sa:pw@sql:1444/INST/app?encrypt=true')).toMatchObject({
      dialect: 'sqlserver',
      host: 'sql',
      port: 1444,
      instance: 'INST',
      database: 'app',
      user: 'sa',
      password: 'pw',
      options: { encrypt: 'true' },
    });
    expect(parseConnectionString('Data Source=tcp:SQL\\Inst,1435;Initial Catalog=app;UID=sa;PWD={a;b}}c}')).toMatchObject({
      dialect: 'sqlserver',
      form: 'ado',
      host: 'sql',
      instance: 'Inst',
      port: 1435,
      database: 'app',
      user: 'sa',
      password: 'a;b}c',
    });
    expect(parseConnectionString('Server=(local);Database=app;Integrated Security=SSPI')).toMatchObject({
      host: 'localhost',
      user: '',
      password: undefined,
    });
  });
});

describe('poolKey', () => {
  function load(entries: unknown[]) {
    return loadTenants(writeTenants(entries), { PW_A: 'pw-a-rotated', PW_B: 'pw-b-other' });
  }

  it('is equal for schema-per-tenant tenants of one database, and never contains the password', () => {
    const [a, b] = load([
      { id: 'a', connectionString: PG, schema: 'tenant_a' },
      { id: 'b', connectionString: PG, schema: 'tenant_b' },
    ]);
    expect(a.poolKey).toBe(b.poolKey);
    expect(a.poolKey).not.toContain('s3cret');
  });

  it('ignores host case and the password, and distinguishes database, port, user and dialect', () => {
    const [base, upper, otherPw, otherDb, otherPort, otherUser] = load([
      { id: 'a', connectionString: 'postgres://w:${PW_A}@db:5432/app', schema: 's1' },
      { id: 'b', connectionString: 'postgres://w:${PW_A}@DB:5432/app', schema: 's2' },
      { id: 'c', connectionString: 'postgres://w:${PW_B}@db:5432/app', schema: 's3' },
      { id: 'd', connectionString: 'postgres://w:${PW_A}@db:5432/app2', schema: 's1' },
      { id: 'e', connectionString: 'postgres://w:${PW_A}@db:5433/app', schema: 's1' },
      { id: 'f', connectionString: 'postgres://x:${PW_A}@db:5432/app', schema: 's5' },
    ]);
    expect(upper.poolKey).toBe(base.poolKey);
    expect(otherPw.poolKey).toBe(base.poolKey);
    expect(new Set([base.poolKey, otherDb.poolKey, otherPort.poolKey, otherUser.poolKey]).size).toBe(4);
    const [pg, ms] = load([
      { id: 'p', connectionString: 'postgres://w:${PW_A}@db:1433/app' },
      { id: 'm', connectionString: 'mssql://w:${PW_A}@db:1433/app' },
    ]);
    expect(pg.poolKey).not.toBe(ms.poolKey);
  });

  it('ADO and mssql:// forms of the same database share a key', () => {
    const [url, ado] = load([
      { id: 'u', connectionString: 'mssql://sa:${PW_A}@sql:1433/app', schema: 'u' },
      { id: 'a', connectionString: 'Server=SQL,1433;Database=app;User Id=sa;Password=${PW_A}', schema: 'a' },
    ]);
    expect(url.poolKey).toBe(ado.poolKey);
  });
});

describe('tenantSecrets', () => {
  it('collects the password of every tenant, decoded and as written', () => {
    const tenants = loadTenants(
      writeTenants([
        { id: 'a', connectionString: 'postgres://w:p%40ss-word@h/app', schema: 'a' },
        { id: 'b', connectionString: 'Server=sql;Database=app;User Id=sa;Password="semi;colon"' },
        { id: 'c', connectionString: 'postgres://h/app?user=w&password=query-pw', schema: 'c' },
      ]),
      {},
    );
    expect(new Set(tenantSecrets(tenants))).toEqual(new Set(['p@ss-word', 'p%40ss-word', 'semi;colon', 'query-pw']));
  });
});

describe('loadTenants: limits', () => {
  test('"limits" is read (tenant and per type) and frozen; an empty one means unlimited', () => {
    const [a, b] = loadTenants(
      writeTenants([
        {
          id: 'a',
          connectionString: PG,
          schema: 'a',
          limits: { ratePerSecond: 50, concurrency: 5, types: { SendEmail: { ratePerSecond: 5, concurrency: 2 } } },
        },
        { id: 'b', connectionString: PG, schema: 'b', limits: {} },
      ]),
      {},
    );
    expect(a!.limits).toEqual({ ratePerSecond: 50, concurrency: 5, types: { SendEmail: { ratePerSecond: 5, concurrency: 2 } } });
    expect(Object.isFrozen(a!.limits)).toBe(true);
    expect(b!.limits).toBeUndefined();
  });

  test.each([
    [{ ratePerSecond: 0 }, 'limits.ratePerSecond must be a number > 0'],
    [{ ratePerSecond: '5' }, 'limits.ratePerSecond must be a number > 0'],
    [{ concurrency: 2.5 }, 'limits.concurrency must be an integer >= 1'],
    [{ concurency: 2 }, 'limits: unknown field "concurency" (did you mean "concurrency"?)'],
    [{ types: { Mail: {} } }, 'limits.types.Mail sets neither ratePerSecond nor concurrency'],
    [{ types: { Mail: { rate: 1 } } }, 'limits.types.Mail: unknown field "rate"'],
    [{ types: [] }, 'limits.types must be an object'],
    ['fast', 'limits must be an object'],
  ])('%j is refused with the field named: %s', (limits, message) => {
    const err = tenantsError([{ id: 'acme', connectionString: PG, limits }]);
    expect(err.code).toBe('TQW_TENANTS_INVALID');
    expect(err.message).toContain("tenants[0] (id 'acme'): ");
    expect(err.message).toContain(message);
  });
});
