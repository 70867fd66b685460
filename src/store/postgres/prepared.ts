import { createHash } from 'node:crypto';

/**
 * The name of a named (prepared) statement for `text`: the first run on a connection parses and
 * plans it, later runs on that connection reuse the plan (PostgreSQL keeps one generic plan for a
 * statement without parameters, or switches to one after five runs when it is no worse).
 *
 * The name is derived from the text, so equal texts share a name and different texts never
 * collide (node-postgres refuses one name with two texts on a connection). Prepared statements
 * live as long as the connection, so only statements whose texts are few per connection are
 * prepared (see MAX_TABLES_FOR_PREPARED in postgres-store.ts, and group.ts). Never purge.ts: its
 * planner must see the status value to pick the partial index, which a generic plan does not.
 * Hash the text once and keep the name next to the text.
 */
export function preparedName(text: string): string {
  // 63 bytes is PostgreSQL's identifier limit; 24 hex digits (96 bits) cannot collide in practice.
  return `tqw_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}
