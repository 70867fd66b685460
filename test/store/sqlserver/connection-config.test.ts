/**
 * sqlServerConfig: both connection string forms into the mssql config the pool is created with,
 * and errors that say what is wrong without ever showing the password.
 */
import { ConfigError } from '../../../src/errors';
import { sqlServerConfig } from '../../../src/store/sqlserver/connection-config';

const SECRET = 'S3cret;pa$$=word';

/** The ConfigError sqlServerConfig throws for `cs` (fails the test if it does not throw one). */
function configError(cs: string): ConfigError {
  try {
    sqlServerConfig(cs, "tenant 'acme'");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('TQW_CONNECTION_STRING_INVALID');
    return e;
  }
  throw new Error('sqlServerConfig accepted an invalid connection string');
}

/** Everything an error could show: message, stack, own properties and the cause chain. */
function everythingIn(err: Error): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  return parts.join('\n');
}

describe('ADO connection strings', () => {
  test('server, port, database, user, password, encryption and certificate trust', () => {
    const config = sqlServerConfig(
      `Server=tcp:db.example.com,1444;Database=Queue;User Id=worker;Password={${SECRET.replace(/}/g, '}}')}};Encrypt=yes;TrustServerCertificate=True`,
    );
    expect(config).toEqual({
      server: 'db.example.com',
      port: 1444,
      database: 'Queue',
      user: 'worker',
      password: SECRET,
      options: { encrypt: true, trustServerCertificate: true, appName: 'tqw', abortTransactionOnError: true, useUTC: true },
    });
  });

  test('aliases and defaults: Data Source with an instance, Initial Catalog, UID/PWD; encryption on and certificates verified by default', () => {
    const config = sqlServerConfig('Data Source=SQLHOST\\PROD;Initial Catalog=app;UID=u;PWD=p');
    expect(config.server).toBe('sqlhost');
    expect(config.port).toBeUndefined();
    expect(config.database).toBe('app');
    expect(config.user).toBe('u');
    expect(config.password).toBe('p');
    expect(config.options).toMatchObject({ instanceName: 'PROD', encrypt: true, trustServerCertificate: false });
  });

  test('timeouts in seconds, application name, SqlClient 4+ encryption words, MultiSubnetFailover', () => {
    const config = sqlServerConfig(
      'Server=h;Database=d;User Id=u;Password=p;Connect Timeout=7;Command Timeout=90;Application Name=billing-worker;Encrypt=Strict;MultiSubnetFailover=true',
    );
    expect(config.connectionTimeout).toBe(7_000);
    expect(config.requestTimeout).toBe(90_000);
    expect(config.options).toMatchObject({ appName: 'billing-worker', encrypt: 'strict', multiSubnetFailover: true });
    expect(sqlServerConfig('Server=h;User Id=u;Password=p;Encrypt=Optional').options?.encrypt).toBe(false);
    expect(sqlServerConfig('Server=h;User Id=u;Password=p;Encrypt=Mandatory').options?.encrypt).toBe(true);
  });

  test('.NET-only keywords are accepted and ignored (a string copied from appsettings.json works)', () => {
    const config = sqlServerConfig(
      'Server=h;Database=d;User Id=u;Password=p;MultipleActiveResultSets=True;Persist Security Info=False;Pooling=true;Max Pool Size=200;Connect Retry Count=3;ApplicationIntent=ReadWrite',
    );
    expect(config.server).toBe('h');
    expect(config).not.toHaveProperty('pool');
  });

  test('a typo in a key is named, with a suggestion', () => {
    const err = configError('Server=h;User Id=u;Pasword=p');
    expect(err.message).toMatch(/^tenant 'acme': unknown key 'pasword' \(did you mean 'password'\?\)/);
  });

  test('an unknown key that may be part of a password is not shown', () => {
    // An unquoted ';' splits the password: "S3cret" becomes the password and "pa$$" a key.
    const err = configError(`Server=h;User Id=u;Password=${SECRET}`);
    expect(err.message).toMatch(/unknown key \(not shown/);
    expect(everythingIn(err)).not.toContain('pa$$');
    expect(everythingIn(err)).not.toContain('S3cret');
  });

  test.each([
    ['Server=h;User Id=u;Password=p;Encrypt=maybe', /'Encrypt' must be true, false, Mandatory, Optional or Strict/],
    ['Server=h;User Id=u;Password=p;TrustServerCertificate=sure', /'TrustServerCertificate' must be true or false/],
    ['Server=h;User Id=u;Password=p;Connect Timeout=abc', /'Connect Timeout' must be a whole number of seconds/],
    ['Server=h;User Id=u;Password=p;Connect Timeout=0', /'Connect Timeout' must be a whole number of seconds between 1/],
    ['Server=h;User Id=u;Password=p;ApplicationIntent=ReadOnly', /must be ReadWrite/],
    ['Server=h;Integrated Security=SSPI', /Windows integrated security is not supported/],
    [
      'Server=h;User Id=u;Password=p;Authentication=Active Directory Default',
      /'Authentication' 'Active Directory Default' is not supported/,
    ],
    ['Server=h;Password=p', /names no user/],
    ['Database=d;User Id=u;Password=p', /must name its server/],
    ['Server=h;User Id=u;Password="unterminated', /malformed key=value connection string/],
    ['postgres://u:p@h/db', /PostgreSQL connection string/],
    ['just words', /not a connection string/],
  ])('%s is refused: %s', (cs, message) => {
    const err = configError(cs);
    expect(err.message).toMatch(/^tenant 'acme': /);
    expect(err.message).toMatch(message);
  });
});

describe('mssql:// URLs', () => {
  test('user, password (percent-decoded), host, port, database and options', () => {
    const config = sqlServerConfig(
      `mssql://worker:${encodeURIComponent(SECRET)}@db.example.com:1444/Queue?encrypt=true&trustServerCertificate=true&requestTimeout=30&applicationName=w1`,
    );
    expect(config).toEqual({
      server: 'db.example.com',
      port: 1444,
      database: 'Queue',
      user: 'worker',
      password: SECRET,
      requestTimeout: 30_000,
      options: { encrypt: true, trustServerCertificate: true, appName: 'w1', abortTransactionOnError: true, useUTC: true },
    });
  });

  test('an instance in the path, defaults without options', () => {
    const config = sqlServerConfig('mssql://u:p@sqlhost/PROD/app');
    expect(config).toMatchObject({
      server: 'sqlhost',
      database: 'app',
      options: { instanceName: 'PROD', encrypt: true, trustServerCertificate: false },
    });
    expect(config.port).toBeUndefined();
    expect(sqlServerConfig('mssql://u:p@h/db?encrypt=false').options?.encrypt).toBe(false);
  });

  test.each([
    [`mssql://u:${encodeURIComponent(SECRET)}@h/db?encrypt=perhaps`, /'encrypt' must be true, false/],
    [
      `mssql://u:${encodeURIComponent(SECRET)}@h/db?trustServerCertifcate=true`,
      /unknown parameter 'trustservercertifcate' \(did you mean 'trustservercertificate'\?\)/,
    ],
    [`mssql://u:${encodeURIComponent(SECRET)}@h/db?connectTimeout=-1`, /'connectTimeout' must be a whole number of seconds/],
    [`mssql://u:${encodeURIComponent(SECRET)}@h:99999/db`, /not a valid URL|port/],
    [`mssql://:${encodeURIComponent(SECRET)}@h/db`, /names no user/],
    [`mssql://u:${encodeURIComponent(SECRET)}@h/a/b/c`, /path is \/database or \/instance\/database/],
  ])('%s is refused without showing the password', (cs, message) => {
    const err = configError(cs);
    expect(err.message).toMatch(message);
    for (const form of [SECRET, encodeURIComponent(SECRET)]) expect(everythingIn(err)).not.toContain(form);
  });
});
