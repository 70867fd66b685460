/**
 * Connection strings of both dialects: which store a string is for, where it points (for the
 * pool key), and which parts of it are secrets (for the redactor).
 *
 * Accepted forms:
 * - PostgreSQL: `postgres://` or `postgresql://` URLs (user, password, host, port, database, and
 *   libpq's `host=`, `port=`, `user=`, `dbname=`, `password=` query parameters).
 * - SQL Server: `mssql://user:password@host[:port]/[instance/]database[?options]` (also spelt
 *   `sqlserver://`), or an ADO.NET-style string `Server=host[\instance][,port];Database=...;User Id=...;Password=...`
 *   (`Data Source`, `Address`, `Addr`, `Network Address` are the same as `Server`), parsed with
 *   @tediousjs/connection-string, the parser mssql itself uses.
 * Values substituted with ${VAR} are inserted as is: percent-encode special characters of a
 * password that goes into a URL.
 */
import { parse as parseAdo, MSSQL_SCHEMA } from '@tediousjs/connection-string';
import type { Dialect } from '../store/types';
import { isSecretKey } from './secret-patterns';

export interface ParsedConnection {
  dialect: Dialect;
  /** The string's form: URL or ADO key=value pairs. */
  form: 'url' | 'ado';
  /** Host name (lower-cased), IP address or socket directory; '' when the string names none (driver default). */
  host: string;
  /** Port, when the string names one (the driver default otherwise: 5432 / 1433). */
  port: number | undefined;
  /** SQL Server named instance, if any. */
  instance: string | undefined;
  /** Database name; '' when the string names none (the login's default database). */
  database: string;
  /** User name; '' when none (integrated or trust authentication). */
  user: string;
  /** Password, decoded; undefined when none. SECRET. */
  password: string | undefined;
  /** Every other option (URL query parameters or ADO pairs, keys lower-cased for ADO). May hold secrets. */
  options: Record<string, string>;
}

const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);
const SQLSERVER_SCHEMES = new Set(['mssql:', 'sqlserver:']);
/** ADO keys naming the server; any of them makes a key=value string a SQL Server string. */
const ADO_SERVER_KEYS = ['server', 'data source', 'address', 'addr', 'network address'];

/**
 * Why a string could not be parsed. The message never contains the string itself (callers show the
 * redacted form next to it).
 */
export class ConnectionStringSyntaxError extends Error {}

/** The dialect a string is for, or undefined when it is neither form. Never throws. */
export function detectDialect(connectionString: string): Dialect | undefined {
  try {
    return parseConnectionString(connectionString).dialect;
  } catch {
    return undefined;
  }
}

/** Parses a connection string of either dialect; throws ConnectionStringSyntaxError when it is neither form. */
export function parseConnectionString(connectionString: string): ParsedConnection {
  const text = connectionString.trim();
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (POSTGRES_SCHEMES.has(scheme)) return parseUrl(text, 'postgres');
    if (SQLSERVER_SCHEMES.has(scheme)) return parseUrl(text, 'sqlserver');
    throw new ConnectionStringSyntaxError(
      `unsupported scheme '${scheme}//': use postgres:// or postgresql:// for PostgreSQL, mssql:// or an ADO string (Server=...;Database=...) for SQL Server`,
    );
  }
  if (text.includes('=')) return parseAdoString(text);
  throw new ConnectionStringSyntaxError(
    'not a connection string: expected postgres://..., postgresql://..., mssql://... or Server=...;Database=...;User Id=...;Password=...',
  );
}

function parseUrl(text: string, dialect: Dialect): ParsedConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConnectionStringSyntaxError(
      'not a valid URL (percent-encode special characters such as @ / ? # : in the user name and password)',
    );
  }
  const options: Record<string, string> = {};
  for (const [key, value] of url.searchParams) options[key] = value;
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const segments = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decode);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const portText = url.port || (dialect === 'postgres' ? options.port : undefined);
  const port = portText ? Number(portText) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new ConnectionStringSyntaxError(`port '${portText}' is not a number between 1 and 65535`);
  }
  if (dialect === 'sqlserver' && segments.length > 2) {
    throw new ConnectionStringSyntaxError('an mssql:// URL path is /database or /instance/database');
  }
  const password = url.password ? decode(url.password) : dialect === 'postgres' ? options.password : undefined;
  return {
    dialect,
    form: 'url',
    host: decode((dialect === 'postgres' ? options.host : undefined) ?? hostname).toLowerCase(),
    port,
    instance: dialect === 'sqlserver' && segments.length === 2 ? segments[0] : undefined,
    database: (dialect === 'postgres' ? (segments[0] ?? options.dbname) : segments[segments.length - 1]) ?? '',
    user: url.username ? decode(url.username) : dialect === 'postgres' ? (options.user ?? '') : '',
    password,
    options,
  };
}

function parseAdoString(text: string): ParsedConnection {
  let pairs: ReturnType<typeof parseAdo>;
  try {
    pairs = parseAdo(text);
  } catch (err) {
    // The parser's messages are generic ("Connection string terminated unexpectedly") and never quote the input.
    throw new ConnectionStringSyntaxError(`malformed key=value connection string: ${err instanceof Error ? err.message : String(err)}`);
  }
  const options: Record<string, string> = {};
  for (const [key, value] of pairs) options[key] = value;
  if (!ADO_SERVER_KEYS.some((k) => options[k] !== undefined)) {
    throw new ConnectionStringSyntaxError(
      'a key=value connection string must name its server (Server=host or Data Source=host); only SQL Server uses this form',
    );
  }
  const schema = pairs.toSchema(MSSQL_SCHEMA);
  // "Server=tcp:host\instance,port": the same reading as mssql's own parser.
  let server = String(schema['data source'] ?? '')
    .trim()
    .replace(/^tcp:/i, '');
  let instance: string | undefined;
  let port: number | undefined;
  const portMatch = /^(.*),\s*(\d+)\s*$/.exec(server);
  if (portMatch) {
    server = portMatch[1].trim();
    port = Number(portMatch[2]);
  }
  const instanceMatch = /^(.*)\\(.*)$/.exec(server);
  if (instanceMatch) {
    server = instanceMatch[1].trim();
    instance = instanceMatch[2].trim();
  }
  if (/^np:/i.test(server)) throw new ConnectionStringSyntaxError('named pipes (np:) are not supported; use a TCP server name');
  if (server === '') throw new ConnectionStringSyntaxError('the Server (Data Source) value is empty');
  if (['.', '(.)', '(local)', '(localdb)'].includes(server.toLowerCase())) server = 'localhost';
  return {
    dialect: 'sqlserver',
    form: 'ado',
    host: server.toLowerCase(),
    port,
    instance,
    database: String(schema['initial catalog'] ?? ''),
    user: String(schema['user id'] ?? ''),
    password: schema.password === undefined || schema.password === '' ? undefined : String(schema.password),
    options,
  };
}

/**
 * The secrets inside a connection string, for the redactor: the password (decoded, and as written
 * when percent-encoded) and the values of every other secret option. Never throws: an unparsable
 * string yields what the URL/ADO patterns can still find.
 */
export function connectionSecrets(connectionString: string): string[] {
  const secrets = new Set<string>();
  let parsed: ParsedConnection | undefined;
  try {
    parsed = parseConnectionString(connectionString);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    if (parsed.password) secrets.add(parsed.password);
    for (const [key, value] of Object.entries(parsed.options)) {
      if (isSecretKey(key) && value !== '') secrets.add(value);
    }
  }
  // The password as written in a URL (percent-encoded), which is how it appears in a logged URL.
  const rawUserinfo = /^\s*[a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:([^/?#]*)@/i.exec(connectionString);
  if (rawUserinfo && rawUserinfo[1] !== '') secrets.add(rawUserinfo[1]);
  return [...secrets];
}

/**
 * Identifies the database a string points at: dialect + host + port + instance + database + user.
 * Never the password, never the schema (tenants that differ only by schema share one pool).
 * Tenants sharing a pool should use the same connection options: the first one's string opens it.
 */
export function poolKeyOf(parsed: ParsedConnection): string {
  return [parsed.dialect, parsed.host, parsed.port ?? '', parsed.instance?.toLowerCase() ?? '', parsed.database, parsed.user]
    .map((part) => encodeURIComponent(String(part)))
    .join('|');
}
