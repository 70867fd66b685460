/**
 * What a secret looks like inside a connection string or a text, in one place, so connection-string
 * redaction, secret extraction and the log redactor never disagree.
 *
 * Secret keys (lower-case): ADO keys of SQL Server (Password/Pwd, and the Azure AD service-principal
 * and managed-identity secrets mssql understands) and URL query parameters of PostgreSQL
 * (password, sslpassword).
 */
export const SECRET_KEYS: readonly string[] = ['password', 'pwd', 'passwd', 'sslpassword', 'client secret', 'msi secret'];

export const MASK = '***';

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.includes(key.trim().toLowerCase().replace(/\s+/g, ' '));
}

/** Any secret key, tolerant of spacing in two-word keys (use with the `i` flag). */
const KEY = `(?:${SECRET_KEYS.map((k) => k.replace(/ /g, '\\s*')).join('|')})`;

/**
 * ADO values of secret keys: `Password=x;`, `Pwd = "a;b";`, `Password='x''y'`, `Password={a}}b}`,
 * and unterminated quotes (to the end). The key must start the text or follow ';' or whitespace,
 * so "OldPassword=" is left alone and URL parameters (after '?' or '&') are handled below.
 * Group 1 is the key and '=', group 2 the value.
 */
export function adoSecretValuePattern(): RegExp {
  return new RegExp(
    `((?:^|[;\\s])${KEY}\\s*=\\s*)` + `("(?:[^"]|"")*(?:"|$)|'(?:[^']|'')*(?:'|$)|\\{(?:[^}]|\\}\\})*(?:\\}|$)|[^;\\r\\n]*)`,
    'gi',
  );
}

/** `?password=...` / `&sslpassword=...` URL query parameters. Group 1 is `?key=`. */
export function querySecretPattern(): RegExp {
  return new RegExp(`([?&]${KEY}=)[^&#\\s"]*`, 'gi');
}

/**
 * The password of a URL's userinfo inside free text: `scheme://user:PASSWORD@`. The password runs
 * to the LAST '@' of the whitespace-delimited token, so an unencoded '@' in it does not leave a tail
 * behind (a later '@' in the path or query is over-redacted, which is safe). Group 1 is up to ':'.
 */
export function urlUserinfoPattern(): RegExp {
  return /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@"]*:)\S*@/gi;
}

/** `"password": "..."` inside text that embeds JSON. Group 1 is up to the opening quote of the value. */
export function jsonSecretFieldPattern(): RegExp {
  return new RegExp(`("${KEY}"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi');
}
