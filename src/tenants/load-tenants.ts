/**
 * Reads and validates the tenants file (config `tenants.file`):
 *
 *   [ { "id": "acme", "connectionString": "postgres://worker:${ACME_DB_PASSWORD}@db/acme", "schema": "queue" } ]
 *
 * or the same list under { "tenants": [...] }. Each entry: `id` (unique, at most 50 characters:
 * TenantId is NVARCHAR(50)), `connectionString` (${VAR} expanded from the environment; the store is
 * chosen from its form), optional `schema` (schema-per-tenant) and `limits` (tenant-limits.ts). Unknown fields are errors (a typo such
 * as "shema" must not silently put a tenant in the default schema).
 *
 * Every problem throws ConfigError naming the file, the entry (index and id) and the field; messages
 * show connection strings only redacted.
 */
import { checkTenantLimits } from './tenant-limits';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import { closestName } from '../config/closest-name';
import { describeJsonSyntaxError } from '../config/json-syntax-error';
import { describeReadError, jsonKind } from '../config/read-config-file';
import { ConnectionStringSyntaxError, parseConnectionString, poolKeyOf, type ParsedConnection } from './connection-string';
import { expandEnv } from './expand-env';
import { redactConnectionString } from './redact-connection-string';
import type { Tenant } from './types';

/** TenantId is NVARCHAR(50) in the table contract. */
export const MAX_TENANT_ID_LENGTH = 50;
/** A schema name we can always quote safely in both dialects (PostgreSQL's limit is 63 bytes). */
const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const ENTRY_FIELDS = ['id', 'connectionString', 'schema', 'limits'];

export function loadTenants(file: string, env: NodeJS.ProcessEnv = process.env): Tenant[] {
  const fail = (detail: string, code: 'TQW_TENANTS_INVALID' | 'TQW_CONNECTION_STRING_INVALID' = 'TQW_TENANTS_INVALID'): never => {
    throw new ConfigError(`tenants file ${file}: ${detail}`, code);
  };

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`${describeReadError(err)} (set tenants.file or TQW_TENANTS_FILE to the tenants JSON file)`);
  }
  if (text.trim() === '') fail('the file is empty (write [] for no tenants)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON: ${describeJsonSyntaxError(err, text)} (fix the JSON syntax)`);
  }

  const entries = entriesOf(parsed, fail);
  const tenants: Tenant[] = [];
  const idsSeen = new Map<string, string>();
  const tablesSeen = new Map<string, string>();
  entries.forEach((entry, index) => {
    const label = describeEntry(entry, index);
    const at = (detail: string) => `${label}: ${detail}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      fail(at(`must be an object like {"id": "acme", "connectionString": "postgres://..."}, not ${jsonKind(entry)}`));
    }
    const fields = entry as Record<string, unknown>;
    for (const field of Object.keys(fields)) {
      if (!ENTRY_FIELDS.includes(field)) {
        const suggestion = closestName(field, ENTRY_FIELDS);
        fail(at(`unknown field "${field}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed: ${ENTRY_FIELDS.join(', ')}`));
      }
    }

    const id = checkId(fields.id, (detail) => fail(at(detail)));
    const previous = idsSeen.get(id.toLowerCase());
    if (previous !== undefined) {
      fail(
        at(
          `duplicate id: ${previous} has the same id` +
            (previous.includes(`'${id}'`) ? '' : ' (ids are compared case-insensitively, as SQL Server compares TenantId)') +
            '; every tenant needs its own id',
        ),
      );
    }
    idsSeen.set(id.toLowerCase(), label);

    const schema = checkSchema(fields.schema, (detail) => fail(at(detail)));
    const limits = checkTenantLimits(fields.limits, (detail) => fail(at(detail)));

    if (typeof fields.connectionString !== 'string' || fields.connectionString.trim() === '') {
      fail(
        at(
          `connectionString must be a non-empty string, not ${JSON.stringify(fields.connectionString === undefined ? 'missing' : fields.connectionString)}`,
        ),
      );
    }
    const written = (fields.connectionString as string).trim();
    const connectionString = expandEnv(written, env, { where: `tenants file ${file}: ${at('connectionString')}` });
    let parsedConnection: ParsedConnection;
    try {
      parsedConnection = parseConnectionString(connectionString);
    } catch (err) {
      if (!(err instanceof ConnectionStringSyntaxError)) throw err;
      return fail(at(`connectionString is invalid: ${err.message}: ${showInvalid(written)}`), 'TQW_CONNECTION_STRING_INVALID');
    }
    const redactedConnection = redactConnectionString(connectionString);

    const tableKey = tableKeyOf(parsedConnection, schema);
    const sharing = tablesSeen.get(tableKey);
    if (sharing !== undefined) {
      fail(
        at(
          `uses the same QueueMessages table as ${sharing} (same database and schema); give each tenant its own ` +
            'database or "schema", or each would claim the other\'s messages and dead-letter them as a tenant mismatch',
        ),
      );
    }
    tablesSeen.set(tableKey, label);

    tenants.push({
      id,
      dialect: parsedConnection.dialect,
      connectionString,
      schema,
      redactedConnection,
      poolKey: poolKeyOf(parsedConnection),
      ...(limits ? { limits } : {}),
    });
  });
  return tenants;
}

/**
 * An invalid connection string as an error message may show it: as written in the file (so values
 * from ${VAR} stay references) with passwords redacted; a string of no known form at all is not
 * shown, since we cannot tell which part of it is secret.
 */
function showInvalid(written: string): string {
  if (!/^\s*[a-z][a-z0-9+.-]*:\/\//i.test(written) && !written.includes('=')) {
    return `(not shown: ${written.length} characters in no known form)`;
  }
  return redactConnectionString(written);
}

function entriesOf(parsed: unknown, fail: (detail: string) => never): unknown[] {
  if (Array.isArray(parsed)) return parsed;
  if (typeof parsed === 'object' && parsed !== null) {
    const keys = Object.keys(parsed);
    const extra = keys.filter((k) => k !== 'tenants');
    if (extra.length > 0) fail(`unknown top-level key "${extra[0]}": the file is [ ...tenants ] or { "tenants": [ ... ] }`);
    const list = (parsed as { tenants?: unknown }).tenants;
    if (Array.isArray(list)) return list;
    fail(`"tenants" must be an array of tenants, not ${list === undefined ? 'missing' : jsonKind(list)}`);
  }
  return fail(`must hold an array of tenants or { "tenants": [...] }, not ${jsonKind(parsed)}`);
}

function describeEntry(entry: unknown, index: number): string {
  const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? `tenants[${index}] (id '${id.slice(0, 60)}')` : `tenants[${index}]`;
}

function checkId(id: unknown, fail: (detail: string) => never): string {
  if (typeof id !== 'string' || id === '')
    return fail(`id must be a non-empty string, not ${JSON.stringify(id === undefined ? 'missing' : id)}`);
  if (id.length > MAX_TENANT_ID_LENGTH) fail(`id is ${id.length} characters; at most ${MAX_TENANT_ID_LENGTH} fit TenantId NVARCHAR(50)`);
  if (id.trim() !== id) fail('id must not start or end with whitespace');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this check refuses
  if (/[\u0000-\u001f\u007f]/.test(id)) fail('id must not contain control characters');
  return id;
}

function checkSchema(schema: unknown, fail: (detail: string) => never): string | undefined {
  if (schema === undefined || schema === null) return undefined;
  if (typeof schema !== 'string' || !SAFE_IDENTIFIER.test(schema)) {
    fail(
      `schema ${JSON.stringify(schema)} is not a safe identifier (letters, digits and _, starting with a letter or _, ` +
        'at most 63 characters); omit it for the default schema (public / dbo)',
    );
  }
  return schema as string;
}

/**
 * Which QueueMessages table a tenant uses: the database plus the schema. Without a schema the
 * table is in the user's default schema, which may differ per user, so the user is part of it.
 */
function tableKeyOf(parsed: ParsedConnection, schema: string | undefined): string {
  const database = [parsed.dialect, parsed.host, parsed.port ?? '', parsed.instance?.toLowerCase() ?? '', parsed.database];
  return JSON.stringify(schema === undefined ? [...database, '', parsed.user] : [...database, schema.toLowerCase()]);
}
