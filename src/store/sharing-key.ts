import { createHash } from 'node:crypto';
import type { Tenant } from '../tenants/types';

/** Separates the shown part of a sharing key from its digest. */
const DIGEST_SEPARATOR = '|#';

/**
 * A digest of secret text, for keys only (never shown): 16 hex digits of SHA-256.
 */
export function secretDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The key under which tenants share a connection pool (and, on PostgreSQL, a probe group and a
 * LISTEN connection): the tenant's pool key (dialect, server, database, user) plus a digest of the
 * whole connection string. Two tenants of one database share only if they connect the same way:
 * when a tenants-file edit changes a tenant's password, its new store must not go on working
 * through the pool the old password opened (it would look up while the new password is wrong).
 * The digest keeps the password out of the key; show keys with `shownKey`.
 */
export function sharingKey(tenant: Tenant): string {
  return `${tenant.poolKey}${DIGEST_SEPARATOR}${secretDigest(tenant.connectionString)}`;
}

/** A key with any digest removed: safe and readable in logs. */
export function shownKey(key: string): string {
  const at = key.indexOf(DIGEST_SEPARATOR);
  return at < 0 ? key : key.slice(0, at);
}

/** Appends a digest of `secret` to `key` (see sharingKey). */
export function withDigest(key: string, secret: string): string {
  return `${key}${DIGEST_SEPARATOR}${secretDigest(secret)}`;
}
