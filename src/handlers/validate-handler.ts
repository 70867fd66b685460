import { ConfigError } from '../errors';
import type { Handler, LoadedHandler } from './types';
import { closestName } from '../config/closest-name';

/**
 * The one place that decides whether a value is a usable handler. Used by `loadHandlers()` (files in
 * handlers.dir) and by `HandlerRegistry.fromHandlers()` (handlers passed programmatically), so both
 * reject exactly the same mistakes with the same messages.
 */

/** Every key a handler object may have. Anything else is almost certainly a typo (`maxAttempt`). */
const KNOWN_KEYS = [
  'type',
  'types',
  'handle',
  'timeoutMs',
  'maxAttempts',
  'maxSnoozes',
  'backoffBaseMs',
  'backoffMaxMs',
  'transactional',
  'retryPolicy',
  'dialect',
] as const satisfies readonly (keyof Handler)[];

const POSITIVE_INTEGER_KEYS = ['timeoutMs', 'maxAttempts', 'backoffBaseMs', 'backoffMaxMs'] as const;

/**
 * setTimeout() fires at once for delays above 2^31-1 ms (~24.8 days) instead of waiting, so a larger
 * timeoutMs would time every attempt out immediately.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** The MessageType column is NVARCHAR(255): a longer type name can never match a row. */
export { MAX_MESSAGE_TYPE_LENGTH as MAX_TYPE_LENGTH } from '../store/types';
import { MAX_MESSAGE_TYPE_LENGTH as MAX_TYPE_LENGTH } from '../store/types';

/**
 * Checks `value` and returns it as a LoadedHandler owning its message types.
 * @param value  the module's handler export (already unwrapped from `default`)
 * @param source LoadedHandler.source: the module's absolute path, or '<inline>'
 * @param label  how messages name the handler; defaults to `source`
 * @throws ConfigError (TQW_HANDLER_INVALID) naming `label`, what is wrong and how to fix it
 */
export function validateHandler(value: unknown, source: string, label: string = source): LoadedHandler {
  const fail = (what: string): never => {
    throw new ConfigError(`handler ${label}: ${what}`, 'TQW_HANDLER_INVALID');
  };

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      `the export must be a handler object like { type: 'ProductUpdate', async handle(message, ctx) { ... } }, ` +
        `got ${describeValue(value)} (use \`module.exports = { ... }\` or \`export default { ... }\`)`,
    );
  }
  const record = value as Record<string, unknown>;

  const unknownKeys = Object.keys(record).filter((key) => !(KNOWN_KEYS as readonly string[]).includes(key));
  if (unknownKeys.length > 0) {
    const details = unknownKeys.map((key) => {
      const suggestion = closestKnownKey(key);
      return suggestion ? `'${key}' (did you mean '${suggestion}'?)` : `'${key}'`;
    });
    fail(`unknown key${unknownKeys.length > 1 ? 's' : ''} ${details.join(', ')}; allowed keys are ${KNOWN_KEYS.join(', ')}`);
  }

  if (typeof record.handle !== 'function') {
    fail(
      record.handle === undefined
        ? 'has no handle function; add `async handle(message, ctx) { ... }`'
        : `handle must be a function, got ${describeValue(record.handle)}`,
    );
  }

  const types = collectTypes(record, fail);

  for (const key of POSITIVE_INTEGER_KEYS) {
    const option = record[key];
    if (option === undefined) continue;
    if (typeof option !== 'number' || !Number.isSafeInteger(option) || option <= 0) {
      fail(`${key} must be a positive integer (milliseconds or a count), got ${describeValue(option)}`);
    }
  }
  if (record.maxSnoozes !== undefined) {
    const max = record.maxSnoozes;
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) {
      fail(`maxSnoozes must be an integer >= 0 (0: no snoozes), got ${describeValue(max)}`);
    }
  }
  if (typeof record.timeoutMs === 'number' && record.timeoutMs > MAX_TIMEOUT_MS) {
    fail(`timeoutMs ${record.timeoutMs} is above ${MAX_TIMEOUT_MS} (about 24.8 days), the largest timer Node.js supports`);
  }
  if (typeof record.backoffBaseMs === 'number' && typeof record.backoffMaxMs === 'number' && record.backoffBaseMs > record.backoffMaxMs) {
    fail(
      `backoffBaseMs (${record.backoffBaseMs}) is greater than backoffMaxMs (${record.backoffMaxMs}); the cap must be at least the base`,
    );
  }
  if (record.retryPolicy !== undefined) {
    const policy = record.retryPolicy as Record<string, unknown> | null;
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
      return fail(
        `retryPolicy must be an object like { delayMs: (failure) => ms, isPermanent: (error) => boolean }, got ${describeValue(policy)}`,
      );
    }
    for (const key of Object.keys(policy)) {
      if (key !== 'delayMs' && key !== 'isPermanent') fail(`retryPolicy has unknown key '${key}'; allowed keys are delayMs, isPermanent`);
      if (typeof policy[key] !== 'function') fail(`retryPolicy.${key} must be a function, got ${describeValue(policy[key])}`);
    }
  }
  if (record.dialect !== undefined && record.dialect !== 'postgres' && record.dialect !== 'sqlserver') {
    fail(`dialect must be 'postgres' or 'sqlserver' (or left out: both), got ${describeValue(record.dialect)}`);
  }
  if (record.transactional !== undefined && typeof record.transactional !== 'boolean') {
    fail(`transactional must be true or false, got ${describeValue(record.transactional)}`);
  }

  return { handler: value as Handler, types, source };
}

/**
 * Indexes handlers by message type.
 * @throws ConfigError (TQW_HANDLER_DUPLICATE_TYPE) naming the type and both handlers that claim it
 */
export function indexByType(handlers: readonly { loaded: LoadedHandler; label: string }[]): Map<string, LoadedHandler> {
  const byType = new Map<string, { loaded: LoadedHandler; label: string }>();
  for (const entry of handlers) {
    for (const type of entry.loaded.types) {
      const first = byType.get(type);
      if (first) {
        throw new ConfigError(
          `message type '${type}' is claimed by two handlers: ${first.label} and ${entry.label}; ` +
            'each type must have exactly one handler: remove it from one of them',
          'TQW_HANDLER_DUPLICATE_TYPE',
        );
      }
      byType.set(type, entry);
    }
  }
  return new Map([...byType].map(([type, entry]) => [type, entry.loaded]));
}

/** `type` and/or `types`, merged, each a non-empty string that fits the MessageType column. */
function collectTypes(record: Record<string, unknown>, fail: (what: string) => never): string[] {
  const names: unknown[] = [];
  if (record.type !== undefined) names.push(record.type);
  if (record.types !== undefined) {
    if (!Array.isArray(record.types)) {
      fail(`types must be an array of message type names, got ${describeValue(record.types)}`);
    }
    names.push(...(record.types as unknown[]));
  }
  if (names.length === 0) {
    fail(
      record.types !== undefined
        ? 'types is an empty array; list at least one message type'
        : "names no message type; add `type: 'YourMessageType'` (or `types: [...]` for several)",
    );
  }
  for (const name of names) {
    if (typeof name !== 'string' || name.trim() === '') {
      fail(`message type names must be non-empty strings (the MessageType column), got ${describeValue(name)}`);
    }
    if (name.length > MAX_TYPE_LENGTH) {
      fail(
        `message type '${name.slice(0, 40)}...' is longer than ${MAX_TYPE_LENGTH} characters (MessageType is NVARCHAR(${MAX_TYPE_LENGTH}))`,
      );
    }
  }
  // `type: 'A', types: ['A']` is harmless: each type is owned once.
  return [...new Set(names as string[])];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

/** The known key closest to a misspelt one (edit distance <= 2, case-insensitive), if any. */
function closestKnownKey(key: string): string | undefined {
  return closestName(key, KNOWN_KEYS, 2);
}
