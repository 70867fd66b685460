import { closestName } from '../config/closest-name';
import { MAX_MESSAGE_TYPE_LENGTH as MAX_TYPE_LENGTH, type RateAndConcurrency, type TenantLimits } from '../store/types';

const LIMIT_FIELDS = ['ratePerSecond', 'concurrency'] as const;
const TENANT_LIMIT_FIELDS = [...LIMIT_FIELDS, 'types'];

/**
 * Checks a tenant entry's `"limits"` ({ ratePerSecond?, concurrency?, types?: { T: { ... } } }) and
 * returns it frozen, or undefined when absent. `fail` gets a one-line description of the problem
 * (field path, what was found, what is allowed). An empty object means no limits.
 */
export function checkTenantLimits(value: unknown, fail: (detail: string) => never): TenantLimits | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = objectAt(value, 'limits', TENANT_LIMIT_FIELDS, fail);
  const limits: { ratePerSecond?: number; concurrency?: number; types?: Record<string, RateAndConcurrency> } = checkPair(
    fields,
    'limits',
    fail,
  );
  if (fields.types !== undefined) {
    const types = objectAt(fields.types, 'limits.types', undefined, fail);
    const byType: Record<string, RateAndConcurrency> = {};
    for (const [type, entry] of Object.entries(types)) {
      if (type.trim() === '' || type.length > MAX_TYPE_LENGTH)
        fail(`limits.types: ${JSON.stringify(type)} is not a message type (1 to ${MAX_TYPE_LENGTH} characters)`);
      const where = `limits.types.${type}`;
      const pair = checkPair(objectAt(entry, where, LIMIT_FIELDS, fail), where, fail);
      if (pair.ratePerSecond === undefined && pair.concurrency === undefined)
        fail(`${where} sets neither ratePerSecond nor concurrency; remove it or set one`);
      byType[type] = Object.freeze(pair);
    }
    if (Object.keys(byType).length > 0) limits.types = Object.freeze(byType);
  }
  return limits.ratePerSecond === undefined && limits.concurrency === undefined && limits.types === undefined
    ? undefined
    : Object.freeze(limits);
}

function checkPair(fields: Record<string, unknown>, where: string, fail: (detail: string) => never): RateAndConcurrency {
  const pair: { ratePerSecond?: number; concurrency?: number } = {};
  const rate = fields.ratePerSecond;
  if (rate !== undefined) {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
      fail(`${where}.ratePerSecond must be a number > 0 (messages per second), not ${JSON.stringify(rate)}`);
    pair.ratePerSecond = rate as number;
  }
  const concurrency = fields.concurrency;
  if (concurrency !== undefined) {
    if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1)
      fail(`${where}.concurrency must be an integer >= 1 (messages running at once), not ${JSON.stringify(concurrency)}`);
    pair.concurrency = concurrency as number;
  }
  return pair;
}

function objectAt(
  value: unknown,
  where: string,
  allowed: readonly string[] | undefined,
  fail: (detail: string) => never,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be an object, not ${JSON.stringify(value)}`);
  const fields = value as Record<string, unknown>;
  if (allowed) {
    for (const field of Object.keys(fields)) {
      if (!allowed.includes(field)) {
        const suggestion = closestName(field, allowed);
        fail(`${where}: unknown field "${field}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed: ${allowed.join(', ')}`);
      }
    }
  }
  return fields;
}
