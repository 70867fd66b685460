/**
 * Replaces every password in ONE connection string by `***`, keeping everything else readable
 * (host, database, user, options) so logs, /healthz and error messages still say which database
 * is meant. Works on malformed strings too: that is exactly when an error message shows them.
 *
 * - URL form (postgres://, mssql://, ...): the password of the userinfo and `password=`-like query
 *   parameters. A raw '@' or '/' inside an unencoded password is handled by taking the LAST '@'
 *   (over-redacting a malformed string rather than leaking part of its password).
 * - ADO form (Server=...;Password=...): Password/Pwd (and other secret keys) values, including
 *   quoted values ("...", '...', {...}) that may contain ';'.
 */
import { MASK, adoSecretValuePattern, querySecretPattern } from './secret-patterns';

const URL_SCHEME = /^\s*[a-z][a-z0-9+.-]*:\/\//i;

export function redactConnectionString(connectionString: string): string {
  if (!URL_SCHEME.test(connectionString)) return connectionString.replace(adoSecretValuePattern(), `$1${MASK}`);
  return redactUrlUserinfo(connectionString).replace(querySecretPattern(), `$1${MASK}`);
}

function redactUrlUserinfo(text: string): string {
  const scheme = URL_SCHEME.exec(text)?.[0] ?? '';
  const rest = text.slice(scheme.length);
  // Well-formed: the authority ends at the first '/', '?' or '#', and the userinfo at its last '@'.
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  // Malformed (e.g. an unencoded '/' or '?' in the password): the last '@' anywhere.
  if (at === -1) at = rest.lastIndexOf('@');
  if (at === -1) return text;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon === -1) return text;
  return `${scheme}${userinfo.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
}
