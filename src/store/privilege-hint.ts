/**
 * What to GRANT when a database refuses a statement for lack of privilege, for the error text tqw
 * shows (CLI, /healthz lastError, logs, ErrorMessage). PostgreSQL reports SQLSTATE 42501
 * ("permission denied for schema public", "... for table QueueMessages"); SQL Server reports error
 * numbers 229 / 262 / 916 / 2760 (Babelfish passes PostgreSQL's texts through its TDS errors). Each hint
 * names the missing GRANT and the README section that lists the exact GRANTs for that dialect.
 */
const POSTGRES_SECTION = 'README.md, section "PostgreSQL you already run"';
const SQLSERVER_SECTION = 'README.md, section "SQL Server you already run"';
const QUEUE_TABLE = 'queuemessages';
const MIGRATIONS_TABLE = 'queuemigrations';
const PAUSES_TABLE = 'queuepauses';
const WORKER_RIGHTS = 'SELECT, INSERT, UPDATE, DELETE';

/** mssql's RequestError carries the server's error `number`; pg's DatabaseError a SQLSTATE `code`. */
function isSqlServerError(err: object): boolean {
  return typeof (err as { number?: unknown }).number === 'number';
}

export function privilegeHint(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const message = String((err as { message?: unknown }).message ?? '');
  // An error that wraps one already described (e.g. `tenant 'x' (...): ...`) carries its hint already.
  if (message.includes('(hint: ')) return undefined;
  const sqlServer = isSqlServerError(err);
  const section = sqlServer ? SQLSERVER_SECTION : POSTGRES_SECTION;
  const unquote = (name: string) => name.replace(/^["[]|["\]]$/g, '');
  let m: RegExpExecArray | null;

  if ((m = /permission denied for (?:table|relation) "?([^"\s]+)"?/i.exec(message))) {
    const table = unquote(m[1] ?? '');
    if (table.toLowerCase().endsWith(QUEUE_TABLE)) {
      return `the login lacks ${WORKER_RIGHTS} on ${table}: GRANT ${WORKER_RIGHTS} ON ${sqlServer ? 'QueueMessages' : '"QueueMessages"'} TO <worker login>; see ${section}`;
    }
    if (table.toLowerCase().endsWith(PAUSES_TABLE)) {
      const q = (name: string) => (sqlServer ? name : `"${name}"`);
      return (
        `the login lacks SELECT on ${table} (the pause switches every claim reads): GRANT SELECT ON ${q('QueuePauses')} TO <worker login>, ` +
        `next to GRANT ${WORKER_RIGHTS} ON ${q('QueueMessages')} TO <worker login>; see ${section}`
      );
    }
    if (table.toLowerCase().endsWith(MIGRATIONS_TABLE)) {
      return `only \`tqw migrate\` uses ${table}: run it with the admin login (\`tqw migrate --tenants FILE\`); see ${section}`;
    }
    return `the login lacks a privilege on table ${table}: GRANT what the handler does to it (e.g. SELECT, INSERT, UPDATE) TO <worker login>; see ${section}`;
  }
  // A table or column a newer tqw adds (tqw migrate not run yet after an upgrade).
  if (
    (m = /relation "?([^"\s]*(?:QueuePauses|QueueLimits|QueueSchedules|QueueMessageErrors))"? does not exist/i.exec(message)) ||
    (m = /Invalid object name '([^']*(?:QueuePauses|QueueLimits|QueueSchedules|QueueMessageErrors))'/i.exec(message)) ||
    (m = /column "?(Priority|DedupeKey|SnoozeCount)"? does not exist/i.exec(message)) ||
    (m = /Invalid column name '(Priority|DedupeKey|SnoozeCount)'/i.exec(message))
  ) {
    return `${unquote(m[1] ?? '')} is missing: this version of tqw needs the tables and columns \`tqw migrate\` adds; run it with the admin login (\`tqw migrate --tenants FILE\`) before starting the new workers; see ${section}`;
  }
  if ((m = /permission denied for schema "?([^"\s]+)"?/i.exec(message))) {
    const schema = unquote(m[1] ?? '');
    return (
      `the login lacks a privilege on schema ${schema}: \`tqw run\` needs GRANT USAGE ON SCHEMA ${schema} TO <worker login>; ` +
      `\`tqw migrate\` needs a login that owns ${schema} or has CREATE on it (PostgreSQL 15+ no longer grants CREATE on public to every login); see ${section}`
    );
  }
  if ((m = /permission denied for database "?([^"\s]+)"?/i.exec(message))) {
    return `the login may not connect to database ${unquote(m[1] ?? '')}: GRANT CONNECT ON DATABASE ${unquote(m[1] ?? '')} TO <worker login>; see ${section}`;
  }
  if ((m = /must be owner of (?:table|relation|schema|index) "?([^"\s]+)"?/i.exec(message))) {
    return `only the owner of ${unquote(m[1] ?? '')} may change it: run \`tqw migrate\` with the admin login that created it (\`tqw migrate --tenants FILE\`); see ${section}`;
  }
  if ((m = /The (\w+) permission was denied on the object '([^']+)', database '([^']+)', schema '([^']+)'/i.exec(message))) {
    const [, right, object, database, schema] = m;
    const rights = (object ?? '').toLowerCase() === QUEUE_TABLE ? WORKER_RIGHTS : (right ?? '').toUpperCase();
    return `the login lacks ${(right ?? '').toUpperCase()} on ${schema}.${object}: in database ${database}, GRANT ${rights} ON ${schema}.${object} TO <worker user>; see ${section}`;
  }
  if ((m = /(CREATE \w+) permission denied in database '([^']+)'/i.exec(message))) {
    return `${m[1]} is not allowed in database ${m[2]}: run \`tqw migrate\` with the admin login (\`tqw migrate --tenants FILE\`), not the worker's; see ${section}`;
  }
  if ((m = /The server principal "([^"]+)" is not able to access the database "([^"]+)"/i.exec(message))) {
    return `login ${m[1]} has no user in database ${m[2]}: there, CREATE USER [${m[1]}] FOR LOGIN [${m[1]}] and GRANT its rights; see ${section}`;
  }
  if ((m = /The specified schema name "([^"]+)" either does not exist or you do not have permission to use it/i.exec(message))) {
    return `schema ${m[1]} is missing or not the login's to use: run \`tqw migrate\` with the admin login, which creates it; see ${section}`;
  }
  return undefined;
}

/** `text` (the description of `err`) with the privilege hint appended when there is one. */
export function withPrivilegeHint(err: unknown, text: string): string {
  const hint = privilegeHint(err);
  return hint ? `${text} (hint: ${hint})` : text;
}
