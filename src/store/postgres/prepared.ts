import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/**
 * A named (prepared) statement for node-postgres: the first run on a connection parses and plans
 * it, later runs on that connection reuse the plan (PostgreSQL keeps one generic plan for a
 * statement without parameters, or switches to one after five runs when it is no worse).
 *
 * The name is derived from the text, so equal texts share a name and different texts never
 * collide (node-postgres refuses one name with two texts on a connection). Prepared statements
 * live as long as the connection; the pools close idle connections and recycle old ones (see
 * create-pool.ts), which bounds what statements of tenants that went away leave behind.
 *
 * Use it for statements that run often with the same text; never for purge.sql (its planner must
 * see the status value to pick the partial index, which a generic plan does not).
 */
export function prepared(text: string, values?: unknown[], name: string = preparedName(text)): QueryConfig {
  return { name, text, values };
}

/** The statement name for `text` (hash the text once and keep the result where the text is kept). */
export function preparedName(text: string): string {
  // 63 bytes is PostgreSQL's identifier limit; 24 hex digits (96 bits) cannot collide in practice.
  return `tqw_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}
