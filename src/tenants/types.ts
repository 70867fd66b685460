import type { Dialect, TenantLimits } from '../store/types';

/** One entry of the tenants file, as written there (connection string may contain ${VAR}). */
export interface TenantEntry {
  id: string;
  connectionString: string;
  schema?: string;
  /** Rate limits and concurrency caps (see TenantLimits). */
  limits?: TenantLimits;
}

/** A tenant ready to use: ${VAR} expanded, dialect detected, secrets kept out of `redactedConnection`. */
export interface Tenant {
  id: string;
  dialect: Dialect;
  /** The expanded connection string. SECRET: never log it; log `redactedConnection`. */
  connectionString: string;
  /** Schema holding QueueMessages; undefined means the connection's default (public / dbo). */
  schema: string | undefined;
  /** The connection string with passwords replaced by '***' (safe for logs, /healthz, errors). */
  redactedConnection: string;
  /**
   * Identifies the database (dialect + server + database + user), not the schema:
   * tenants with equal poolKey share one connection pool.
   */
  poolKey: string;
  /** Flow limits from the tenants file (applied live on reload); undefined: unlimited (claims cost no extra statement). */
  limits?: TenantLimits;
}
