/**
 * The compose demo's SQL Server pieces that can be checked without a SQL Server: the T-SQL under docker/mssql and
 * the producer's INSERT parse with the T-SQL grammar, each script is bound exactly the parameters it uses, the
 * INSERT writes columns the queue table has, and the init's helpers read connection strings and GO batches the
 * way sqlcmd and the application do. test/deploy/mssql-init.test.ts runs all of it against a real server.
 */
import { readdirSync } from 'node:fs';
import { readRepoFile, repoPath } from './support/repo';
import { tsqlSyntaxErrors } from './support/tsql';

interface SetupModule {
  parseAdminConnection(connectionString: string): {
    server?: string;
    port?: number;
    user?: string;
    password?: string;
    database?: string;
    options?: { encrypt?: boolean; trustServerCertificate?: boolean };
  };
  splitBatches(text: string): string[];
  freeParameters(text: string): string[];
  optionsFromEnv(
    env: NodeJS.ProcessEnv,
    log?: (line: string) => void,
  ): { databases: string[]; worker: { login: string }; producer: { login: string } };
  SCRIPTS_DIR: string;
  SCRIPT_PARAMETERS: Record<string, readonly string[]>;
}
interface ProducerModule {
  INSERT_MESSAGE: string;
  optionsFromEnv(env: NodeJS.ProcessEnv): { rate: number; tenants: Array<{ id: string }>; user: string };
}
// Plain CommonJS files mounted into the containers (docker/init, docker/producer): loaded as they run there.
const setup = require(repoPath('docker/init/setup-mssql.js')) as SetupModule;
const producer = require(repoPath('docker/producer/produce.js')) as ProducerModule;

const scripts = readdirSync(setup.SCRIPTS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();

describe('docker/mssql scripts', () => {
  test('the scripts directory the init reads is docker/mssql, and it has the five setup scripts', () => {
    expect(setup.SCRIPTS_DIR).toBe(repoPath('docker/mssql'));
    expect(scripts).toEqual(['create-database.sql', 'create-login.sql', 'create-user.sql', 'grant-producer.sql', 'grant-worker.sql']);
  });

  test.each(scripts)('%s parses with the T-SQL grammar', (script) => {
    expect(tsqlSyntaxErrors(readRepoFile(`docker/mssql/${script}`))).toEqual([]);
  });

  test('the grammar rejects broken T-SQL (so the checks above can fail)', () => {
    const broken = readRepoFile('docker/mssql/create-database.sql').replace(/^END;$/m, '');
    expect(tsqlSyntaxErrors(broken)).not.toEqual([]);
  });

  test.each(scripts)('%s is bound exactly the parameters it uses, and names them in its header', (script) => {
    const text = readRepoFile(`docker/mssql/${script}`);
    const used = setup.freeParameters(text);
    expect(used).toEqual([...(setup.SCRIPT_PARAMETERS[script] ?? [])].sort());
    const header = /Parameters[^\n]*\n?(?:--[^\n]*\n)*/.exec(text)?.[0] ?? '';
    for (const name of used) expect(header).toContain(`@${name}`);
  });

  test('values reach the statements only through QUOTENAME: no parameter is concatenated unquoted into dynamic SQL', () => {
    for (const script of scripts) {
      const text = readRepoFile(`docker/mssql/${script}`).replace(/--[^\n]*/g, '');
      const concatenated = [...text.matchAll(/\+\s*(@\w+)/g)].map((m) => m[1]);
      expect({ script, unquoted: concatenated }).toEqual({ script, unquoted: [] });
    }
  });

  test('freeParameters ignores declared variables, @@functions, comments and string literals', () => {
    expect(setup.freeParameters("-- @InComment\nDECLARE @local int = @@ROWCOUNT; SELECT N'@InString', @Param, @local;")).toEqual(['Param']);
  });
});

describe('docker/producer/produce.js', () => {
  test('its INSERT parses with the T-SQL grammar', () => {
    expect(tsqlSyntaxErrors(producer.INSERT_MESSAGE)).toEqual([]);
  });

  test('it writes only columns the queue table has, with Status Pending, a new Id and CorrelationId', () => {
    const match = /^INSERT INTO QueueMessages \(([^)]*)\)\s*VALUES \((.*)\)$/s.exec(producer.INSERT_MESSAGE.trim());
    expect(match).not.toBeNull();
    const columns = match![1]!.split(',').map((c) => c.trim());
    // No value has a comma inside parentheses (NEWID(), SYSUTCDATETIME()), so a plain split is exact.
    const values = match![2]!.split(',').map((v) => v.trim());
    const row = Object.fromEntries(columns.map((c, i) => [c, values[i]]));
    expect(row).toEqual({
      Id: 'NEWID()',
      TenantId: '@tenant',
      MessageType: '@type',
      Payload: '@payload',
      ScheduledTime: 'SYSUTCDATETIME()',
      Status: "'Pending'",
      CorrelationId: 'NEWID()',
      CreatedAt: 'SYSUTCDATETIME()',
    });
    // The table as `tqw migrate` creates it on SQL Server.
    const migration = readRepoFile('src/store/sqlserver/migrations/0001-create-queue-messages.ts');
    for (const column of columns) {
      expect({ column, inTable: new RegExp(`^\\s*${column} [A-Z]`, 'm').test(migration) }).toEqual({ column, inTable: true });
    }
  });

  test('its settings come from the environment, with the compose defaults', () => {
    const options = producer.optionsFromEnv({ PRODUCER_PASSWORD: 'x' });
    expect({ rate: options.rate, tenants: options.tenants.map((t) => t.id), user: options.user }).toEqual({
      rate: 5,
      tenants: ['tenant_a', 'tenant_b', 'tenant_c'],
      user: 'tqw_producer',
    });
    expect(() => producer.optionsFromEnv({})).toThrow(/PRODUCER_PASSWORD is not set/);
    expect(() => producer.optionsFromEnv({ PRODUCER_PASSWORD: 'x', PRODUCER_RATE: 'fast' })).toThrow(/PRODUCER_RATE/);
  });
});

describe('docker/init/setup-mssql.js helpers', () => {
  test('reads the administrator connection string in the ADO form the compose file uses', () => {
    expect(
      setup.parseAdminConnection(
        'Server=mssql,1433;Database=master;User Id=sa;Password=Pa-ss;word;TrustServerCertificate=true;Encrypt=true',
      ),
    ).toEqual(expect.objectContaining({ server: 'mssql', port: 1433, user: 'sa', database: 'master' }));
    const ado = setup.parseAdminConnection(
      'Server=db.internal,14330;User Id=admin;Password={a;b};Encrypt=true;TrustServerCertificate=false',
    );
    expect(ado).toEqual(expect.objectContaining({ server: 'db.internal', port: 14330, user: 'admin', password: 'a;b' }));
    expect(ado.options).toEqual(expect.objectContaining({ encrypt: true, trustServerCertificate: false }));
  });

  test('reads the URL form MSSQL_URL uses, decoding the password', () => {
    const url = setup.parseAdminConnection('mssql://sa:p%40ss%3Aword@localhost:1433/master?encrypt=true&trustServerCertificate=true');
    expect(url).toEqual({
      server: 'localhost',
      port: 1433,
      user: 'sa',
      password: 'p@ss:word',
      database: 'master',
      options: { encrypt: true, trustServerCertificate: true },
    });
  });

  test('splits batches at GO lines like sqlcmd, and drops empty ones', () => {
    expect(setup.splitBatches('SELECT 1;\nGO\n-- only a comment\nGO\nSELECT 2;\n  go  -- trailing comment\nSELECT 3;')).toEqual([
      'SELECT 1;',
      'SELECT 2;',
      'SELECT 3;',
    ]);
    // "GO" inside a line is not a separator.
    expect(setup.splitBatches("SELECT 'GO' AS x;\nSELECT 1 AS GOAL;")).toHaveLength(1);
  });

  test("the examples' products SQL is one batch (the init runs it as is)", () => {
    const batches = setup.splitBatches(readRepoFile('examples/sql/products.sqlserver.sql'));
    expect(batches).toHaveLength(1);
    expect(tsqlSyntaxErrors(batches[0]!)).toEqual([]);
  });

  test('its environment names the logins and databases, and requires the passwords', () => {
    const options = setup.optionsFromEnv({
      SETUP_ADMIN_CONNECTION: 'Server=mssql,1433;User Id=sa;Password=x',
      WORKER_PASSWORD: 'w',
      PRODUCER_PASSWORD: 'p',
    });
    expect({ databases: options.databases, worker: options.worker.login, producer: options.producer.login }).toEqual({
      databases: ['tenant_a', 'tenant_b', 'tenant_c'],
      worker: 'tqw_worker',
      producer: 'tqw_producer',
    });
    expect(() => setup.optionsFromEnv({ SETUP_ADMIN_CONNECTION: 'Server=x', PRODUCER_PASSWORD: 'p' })).toThrow(
      /WORKER_PASSWORD is not set/,
    );
  });
});
