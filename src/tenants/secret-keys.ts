/**
 * Connection-string keys whose values are secrets, lower-case. ADO keys (SQL Server: Password/Pwd,
 * and the Azure AD service-principal and managed-identity secrets mssql understands) and URL query
 * parameters (PostgreSQL: password, sslpassword). Shared by connection-string redaction, secret
 * extraction and the free-text redactor, so the three never disagree.
 */
export const SECRET_KEYS: readonly string[] = ['password', 'pwd', 'passwd', 'sslpassword', 'client secret', 'msi secret'];

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.includes(key.trim().toLowerCase().replace(/\s+/g, ' '));
}

/** Regex source matching any secret key, case-insensitively, tolerant of spacing in two-word keys. */
export const SECRET_KEY_PATTERN = SECRET_KEYS.map((k) => k.replace(/ /g, '\\s*')).join('|');
