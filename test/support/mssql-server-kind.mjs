// Which server MSSQL_URL points at, asked once per Jest run by global-setup.mjs (Jest registers
// tests synchronously, so test files cannot ask the server themselves before registering them).
// 'babelfish' when SERVERPROPERTY('babelfish') is non-NULL (Babelfish for PostgreSQL, which parses
// table hints but ignores them), 'sqlserver' otherwise. test/support/mssql.ts reads the answer.
import mssql from 'mssql';

/** mssql takes ADO connection strings; the mssql:// URL form MSSQL_URL may use is turned into one. */
function toAdo(connectionString) {
  const text = connectionString.trim();
  if (!/^(mssql|sqlserver):\/\//i.test(text)) return text;
  const url = new URL(text);
  const segments = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const database = segments.length === 2 ? segments[1] : segments[0];
  const server = `${url.hostname}${segments.length === 2 ? `\\${segments[0]}` : ''}${url.port ? `,${url.port}` : ''}`;
  const quote = (value) => `{${value.replace(/}/g, '}}')}}`;
  const pairs = [
    `Server=${server}`,
    `User Id=${quote(decodeURIComponent(url.username))}`,
    `Password=${quote(decodeURIComponent(url.password))}`,
  ];
  if (database) pairs.push(`Database=${quote(database)}`);
  for (const [key, value] of url.searchParams) {
    if (/^encrypt$/i.test(key)) pairs.push(`Encrypt=${value}`);
    if (/^trustServerCertificate$/i.test(key)) pairs.push(`TrustServerCertificate=${value}`);
  }
  return pairs.join(';');
}

/** 'babelfish' | 'sqlserver'; throws when the server cannot be reached. */
export async function detectMssqlServer(connectionString) {
  const pool = new mssql.ConnectionPool(toAdo(connectionString));
  pool.on('error', () => undefined);
  await pool.connect();
  try {
    const { recordset } = await pool.request().query("SELECT CAST(SERVERPROPERTY('babelfish') AS NVARCHAR(10)) AS [Babelfish];");
    return recordset[0]?.Babelfish === null || recordset[0]?.Babelfish === undefined ? 'sqlserver' : 'babelfish';
  } finally {
    await pool.close();
  }
}
