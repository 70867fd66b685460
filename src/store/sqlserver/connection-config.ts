/**
 * A tenant's SQL Server connection string -> the `config` object of `new mssql.ConnectionPool()`.
 *
 * Accepted forms (the syntax is read by src/tenants/connection-string.ts, with
 * @tediousjs/connection-string for ADO pairs and the WHATWG URL parser for URLs, so the pool key and
 * this config always agree on host, instance, database and user):
 * - ADO: `Server=host[\instance][,port];Database=db;User Id=u;Password=p;Encrypt=true;TrustServerCertificate=false`
 *   (.NET SqlClient names and aliases: Data Source, Initial Catalog, UID, PWD, Connect Timeout, ...).
 * - URL: `mssql://user:password@host[:port]/[instance/]db?encrypt=true&trustServerCertificate=false`
 *   (percent-encode special characters of the user name and password).
 *
 * Options understood (ADO key | URL parameter, case-insensitive):
 * - Encrypt | encrypt: true/false/yes/no, Mandatory/Optional (SqlClient 4+), Strict (TDS 8). Default true.
 * - TrustServerCertificate | trustServerCertificate: true/false/yes/no. Default false (verify the certificate).
 * - Connect Timeout (Connection Timeout, Timeout) | connectTimeout: seconds to open a connection.
 *   Default: the pool option connectTimeoutMs (config db.connectTimeoutMs).
 * - Command Timeout (Request Timeout) | requestTimeout: seconds a statement may run. Default 15.
 * - Application Name (App) | applicationName, appName: shown in sys.dm_exec_sessions. Default 'tqw'.
 * - MultiSubnetFailover | multiSubnetFailover: true/false (availability group listeners).
 * - ApplicationIntent: ReadWrite only (the worker writes; a read-only replica cannot serve it).
 * Other valid SqlClient keywords (Pooling, Max Pool Size, MultipleActiveResultSets, Persist Security
 * Info, ...) are accepted and ignored: tqw sizes its own pools (config db.*), and the rest are
 * .NET-only. Unknown keys are rejected, so a typo such as `Pasword=` is caught at start-up instead
 * of surfacing as a login failure. Windows integrated security and Azure AD authentication are not
 * supported: use a SQL Server login (User Id + Password).
 *
 * Errors are ConfigError('TQW_CONNECTION_STRING_INVALID'); their messages name the key that is
 * wrong and never contain the connection string or the password.
 */
import type mssql from 'mssql';
import { ConfigError } from '../../errors';
import { ConnectionStringSyntaxError, parseConnectionString, type ParsedConnection } from '../../tenants/connection-string';
import { closestName } from '../../config/closest-name';

/** The application name sessions carry when the connection string names none. */
export const DEFAULT_APP_NAME = 'tqw';

/** What the option keys mean; each ADO spelling and each URL spelling (lower-cased) maps to one. */
type OptionName =
  | 'encrypt'
  | 'trustServerCertificate'
  | 'connectTimeout'
  | 'requestTimeout'
  | 'appName'
  | 'multiSubnetFailover'
  | 'applicationIntent'
  | 'integratedSecurity'
  | 'authentication';

const ADO_OPTIONS: Readonly<Record<string, OptionName>> = {
  encrypt: 'encrypt',
  trustservercertificate: 'trustServerCertificate',
  'trust server certificate': 'trustServerCertificate',
  'connect timeout': 'connectTimeout',
  'connection timeout': 'connectTimeout',
  timeout: 'connectTimeout',
  'command timeout': 'requestTimeout',
  'request timeout': 'requestTimeout',
  'application name': 'appName',
  app: 'appName',
  multisubnetfailover: 'multiSubnetFailover',
  'multi subnet failover': 'multiSubnetFailover',
  applicationintent: 'applicationIntent',
  'application intent': 'applicationIntent',
  'integrated security': 'integratedSecurity',
  trusted_connection: 'integratedSecurity',
  authentication: 'authentication',
};

const URL_OPTIONS: Readonly<Record<string, OptionName>> = {
  encrypt: 'encrypt',
  trustservercertificate: 'trustServerCertificate',
  connecttimeout: 'connectTimeout',
  requesttimeout: 'requestTimeout',
  applicationname: 'appName',
  appname: 'appName',
  multisubnetfailover: 'multiSubnetFailover',
  applicationintent: 'applicationIntent',
};

/** How each option is written in messages (ADO keys arrive lower-cased from the parser). */
const DISPLAY: Readonly<Record<'ado' | 'url', Record<OptionName, string>>> = {
  ado: {
    encrypt: 'Encrypt',
    trustServerCertificate: 'TrustServerCertificate',
    connectTimeout: 'Connect Timeout',
    requestTimeout: 'Command Timeout',
    appName: 'Application Name',
    multiSubnetFailover: 'MultiSubnetFailover',
    applicationIntent: 'ApplicationIntent',
    integratedSecurity: 'Integrated Security',
    authentication: 'Authentication',
  },
  url: {
    encrypt: 'encrypt',
    trustServerCertificate: 'trustServerCertificate',
    connectTimeout: 'connectTimeout',
    requestTimeout: 'requestTimeout',
    appName: 'applicationName',
    multiSubnetFailover: 'multiSubnetFailover',
    applicationIntent: 'applicationIntent',
    integratedSecurity: 'integratedSecurity',
    authentication: 'authentication',
  },
};

/** ADO keys src/tenants/connection-string.ts already turned into host/port/instance/database/user/password. */
const ADO_CONNECTION_KEYS = new Set([
  'server',
  'data source',
  'address',
  'addr',
  'network address',
  'database',
  'initial catalog',
  'user id',
  'uid',
  'password',
  'pwd',
]);

/** Valid .NET SqlClient keywords that do not apply to a Node worker (pooling is tqw's own, the rest .NET-only). */
const ADO_IGNORED_KEYS = new Set([
  'pooling',
  'max pool size',
  'min pool size',
  'load balance timeout',
  'connection lifetime',
  'multipleactiveresultsets',
  'multiple active result sets',
  'persist security info',
  'persistsecurityinfo',
  'connectretrycount',
  'connect retry count',
  'connectretryinterval',
  'connect retry interval',
  'poolblockingperiod',
  'pool blocking period',
  'packet size',
  'workstation id',
  'wsid',
  'current language',
  'language',
  'enlist',
  'transaction binding',
  'type system version',
  'transparentnetworkipresolution',
  'transparent network ip resolution',
  'asynchronous processing',
  'async',
  'context connection',
  'replication',
  'user instance',
  'network library',
  'network',
  'net',
  'failover partner',
  'attachdbfilename',
  'extended properties',
  'initial file name',
  'column encryption setting',
  'ip address preference',
  'ipaddresspreference',
  'host name in certificate',
  'hostnameincertificate',
  'server certificate',
  'servercertificate',
  'server spn',
  'serverspn',
  'failover partner spn',
  'failoverpartnerspn',
]);

type Settings = Partial<{
  encrypt: boolean | 'strict';
  trustServerCertificate: boolean;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  appName: string;
  multiSubnetFailover: boolean;
}>;

/**
 * Parses `connectionString` into an mssql config (without `pool`, which create-pool.ts adds).
 * `where` prefixes error messages (e.g. "tenant 'acme'"); it must not contain secrets.
 */
export function sqlServerConfig(connectionString: string, where = 'SQL Server connection string'): mssql.config {
  const fail = (problem: string, cause?: unknown): never => {
    throw new ConfigError(`${where}: ${problem}`, 'TQW_CONNECTION_STRING_INVALID', cause === undefined ? undefined : { cause });
  };

  let parsed: ParsedConnection;
  try {
    parsed = parseConnectionString(connectionString);
  } catch (err) {
    // ConnectionStringSyntaxError messages never quote the string; anything else is not ours to show.
    if (err instanceof ConnectionStringSyntaxError) return fail(err.message, err);
    return fail('the connection string could not be parsed');
  }
  if (parsed.dialect !== 'sqlserver') {
    return fail('this is a PostgreSQL connection string; a SQL Server store needs mssql://... or Server=...;Database=...');
  }
  if (parsed.host === '') return fail('names no server: set Server=host (ADO) or mssql://user:password@host/database (URL)');
  // Options first: "Integrated Security=SSPI" without a user deserves its own message.
  const settings = readOptions(parsed, fail);
  if (parsed.user === '') {
    return fail(
      'names no user: set User Id=... and Password=... (ADO) or mssql://user:password@host/database (URL); only SQL Server logins are supported',
    );
  }
  const options: NonNullable<mssql.config['options']> = {
    encrypt: settings.encrypt ?? true,
    trustServerCertificate: settings.trustServerCertificate ?? false,
    appName: settings.appName ?? DEFAULT_APP_NAME,
    // SET XACT_ABORT ON for the session of every connection of the pool (sent at login, so it
    // is not undone like a SET inside a parameterised statement): a run-time error or a
    // client-side timeout inside a transaction rolls it back on the server at once instead of
    // leaving it open, with its locks, on a pooled connection (see sql/lock-claim.ts).
    abortTransactionOnError: true,
    // Dates as UTC instants (tedious' default, stated because the fence depends on it).
    useUTC: true,
  };
  const config: mssql.config = {
    server: parsed.host,
    user: parsed.user,
    password: parsed.password ?? '',
    options,
  };
  if (parsed.port !== undefined) config.port = parsed.port;
  if (parsed.database !== '') config.database = parsed.database;
  if (parsed.instance !== undefined) options.instanceName = parsed.instance;
  if (settings.multiSubnetFailover !== undefined) options.multiSubnetFailover = settings.multiSubnetFailover;
  if (settings.connectTimeoutMs !== undefined) config.connectionTimeout = settings.connectTimeoutMs;
  if (settings.requestTimeoutMs !== undefined) config.requestTimeout = settings.requestTimeoutMs;
  return config;
}

function readOptions(parsed: ParsedConnection, fail: (problem: string) => never): Settings {
  const settings: Settings = {};
  const isAdo = parsed.form === 'ado';
  const known = isAdo ? ADO_OPTIONS : URL_OPTIONS;
  for (const [rawKey, value] of Object.entries(parsed.options)) {
    const key = rawKey.trim().toLowerCase().replace(/\s+/g, ' ');
    const option = known[key];
    if (option === undefined) {
      if (isAdo && (ADO_CONNECTION_KEYS.has(key) || ADO_IGNORED_KEYS.has(key))) continue;
      return fail(unknownKeyProblem(key, isAdo));
    }
    const label = `'${DISPLAY[parsed.form][option]}'`;
    switch (option) {
      case 'encrypt':
        settings.encrypt = encryptValue(value, label, fail);
        break;
      case 'trustServerCertificate':
        settings.trustServerCertificate = booleanValue(value, label, fail);
        break;
      case 'multiSubnetFailover':
        settings.multiSubnetFailover = booleanValue(value, label, fail);
        break;
      case 'connectTimeout':
        settings.connectTimeoutMs = secondsValue(value, label, fail, 1);
        break;
      case 'requestTimeout':
        // 0 means "no timeout" for tedious, as for SqlClient's Command Timeout.
        settings.requestTimeoutMs = secondsValue(value, label, fail, 0);
        break;
      case 'appName':
        if (value.trim() === '') return fail(`${label} is empty`);
        settings.appName = value.trim();
        break;
      case 'applicationIntent':
        if (value.trim().toLowerCase() !== 'readwrite') {
          return fail(`${label} must be ReadWrite: the worker writes to the queue table, which a read-only replica cannot do`);
        }
        break;
      case 'integratedSecurity':
        if (value.trim().toLowerCase() === 'sspi' || booleanValue(value, label, fail)) {
          return fail('Windows integrated security is not supported; use a SQL Server login (User Id=...;Password=...)');
        }
        break;
      case 'authentication': {
        const mode = value.trim().toLowerCase().replace(/\s+/g, '');
        if (mode !== 'sqlpassword') {
          return fail(`${label} '${value.trim()}' is not supported; use a SQL Server login (Authentication=SqlPassword or leave it out)`);
        }
        break;
      }
    }
  }
  return settings;
}

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

function booleanValue(value: string, label: string, fail: (problem: string) => never): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return fail(`${label} must be true or false (yes/no), got '${value.trim()}'`);
}

function encryptValue(value: string, label: string, fail: (problem: string) => never): boolean | 'strict' {
  const word = value.trim().toLowerCase();
  if (word === 'strict') return 'strict';
  if (word === 'mandatory') return true;
  if (word === 'optional') return false;
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return fail(`${label} must be true, false, Mandatory, Optional or Strict, got '${value.trim()}'`);
}

function secondsValue(value: string, label: string, fail: (problem: string) => never, min: number): number {
  const text = value.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < min || seconds > 86_400) {
    return fail(`${label} must be a whole number of seconds between ${min} and 86400, got '${text}'`);
  }
  return seconds * 1000;
}

const SUPPORTED_ADO =
  'Server, Database, User Id, Password, Encrypt, TrustServerCertificate, Connect Timeout, Command Timeout, Application Name, MultiSubnetFailover, ApplicationIntent';
const SUPPORTED_URL =
  'encrypt, trustServerCertificate, connectTimeout, requestTimeout, applicationName, multiSubnetFailover, applicationIntent';

/**
 * The message for an unknown key. The key is shown only when it is a near miss of a known one
 * ("did you mean"): an unknown "key" can also be the tail of a password containing an unquoted ';'
 * (`Password=se;cret`), and that must never reach a log.
 */
function unknownKeyProblem(key: string, isAdo: boolean): string {
  const candidates = isAdo ? [...Object.keys(ADO_OPTIONS), ...ADO_CONNECTION_KEYS, ...ADO_IGNORED_KEYS] : Object.keys(URL_OPTIONS);
  // Short keys get no suggestion: with 1-3 letters almost any candidate is "close".
  const best = key.length > 3 ? closestName(key, candidates, key.length >= 8 ? 2 : 1) : undefined;
  const supported = `supported: ${isAdo ? SUPPORTED_ADO : SUPPORTED_URL}`;
  if (best !== undefined) {
    return `unknown ${isAdo ? 'key' : 'parameter'} '${key}' (did you mean '${best}'?); ${supported}`;
  }
  return (
    `it has an unknown ${isAdo ? 'key' : 'parameter'} (not shown: it may be part of a value such as a password; ` +
    `${isAdo ? "quote values that contain ';' as Password={...}" : 'percent-encode special characters'}); ${supported}`
  );
}
