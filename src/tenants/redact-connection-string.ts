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
import { SECRET_KEY_PATTERN } from './secret-keys';

const MASK = '***';
const URL_SCHEME = /^\s*[a-z][a-z0-9+.-]*:\/\//i;

export function redactConnectionString(connectionString: string): string {
  return URL_SCHEME.test(connectionString) ? redactUrl(connectionString) : redactAdo(connectionString);
}

function redactUrl(text: string): string {
  const scheme = URL_SCHEME.exec(text)![0];
  const rest = text.slice(scheme.length);
  // Well-formed: the authority ends at the first '/', '?' or '#', and userinfo at its last '@'.
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  // Malformed (e.g. an unencoded '/' in the password): fall back to the last '@' anywhere.
  if (at === -1) at = rest.lastIndexOf('@');
  let result = text;
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon !== -1) {
      result = `${scheme}${userinfo.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
    }
  }
  return redactQueryParameters(result);
}

/** `?password=...&` / `&sslpassword=...` (URL query parameters). */
export function redactQueryParameters(text: string): string {
  return text.replace(new RegExp(`([?&](?:${SECRET_KEY_PATTERN})=)[^&#\\s"]*`, 'gi'), `$1${MASK}`);
}

/**
 * ADO values of secret keys: `Password=x;`, `Pwd = "a;b";`, `Password='x''y'`, `Password={a}}b}`.
 * The key must start the string or follow ';' (or whitespace), so "OldPassword=" is left alone
 * and URL query parameters (after '?' or '&') are handled by redactQueryParameters.
 */
export const ADO_SECRET_VALUE = new RegExp(
  `((?:^|[;\\s])(?:${SECRET_KEY_PATTERN})\\s*=\\s*)` +
    `("(?:[^"]|"")*"|'(?:[^']|'')*'|\\{(?:[^}]|\\}\\})*\\}|[^;"\\r\\n]*)`,
  'gi',
);

function redactAdo(text: string): string {
  return text.replace(ADO_SECRET_VALUE, `$1${MASK}`);
}
