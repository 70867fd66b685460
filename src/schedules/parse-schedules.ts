/**
 * Validates the `schedules` array of the config file: every problem names the schedule (its name,
 * else its position) and the field, and says what is accepted, so one start reports them all.
 */
import { closestName } from '../config/closest-name';
import { checkCron, isKnownTimezone } from './cron';
import {
  CATCH_UP_VALUES,
  MAX_SCHEDULE_NAME_LENGTH,
  MAX_SCHEDULE_TYPE_LENGTH,
  SCHEDULE_DEFAULTS,
  type CatchUp,
  type ScheduleConfig,
} from './types';

export const SCHEDULE_FIELDS = ['name', 'cron', 'timezone', 'type', 'payload', 'tenants', 'catchUp'] as const;

/** Names: letters, digits and . _ : - (they appear in metric labels, logs and message ids). */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Returns the valid schedules; each problem goes to `problem(detail)`. */
export function parseSchedules(raw: unknown, problem: (detail: string) => void): ScheduleConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problem(`"schedules" must be an array of { "name", "cron", "type", ... }: value was ${JSON.stringify(raw)}`);
    return [];
  }
  const schedules: ScheduleConfig[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const parsed = parseOne(entry, index, problem);
    if (!parsed) return;
    if (seen.has(parsed.name)) {
      problem(`schedules[${index}] "${parsed.name}": duplicate name (every schedule needs its own name)`);
      return;
    }
    seen.add(parsed.name);
    schedules.push(parsed);
  });
  return schedules;
}

function parseOne(entry: unknown, index: number, report: (detail: string) => void): ScheduleConfig | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    report(
      `schedules[${index}] must be an object like { "name": "nightly", "cron": "0 2 * * *", "type": "Report" }: value was ${JSON.stringify(entry)}`,
    );
    return undefined;
  }
  const e = entry as Record<string, unknown>;
  const label = typeof e.name === 'string' && e.name !== '' ? `schedules[${index}] "${e.name}"` : `schedules[${index}]`;
  let ok = true;
  const fail = (field: string, detail: string): void => {
    ok = false;
    report(`${label}: ${field} ${detail}`);
  };

  for (const key of Object.keys(e)) {
    if ((SCHEDULE_FIELDS as readonly string[]).includes(key)) continue;
    const suggestion = closestName(key, SCHEDULE_FIELDS);
    fail(
      `"${key}"`,
      `is not a schedule field${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; fields: ${SCHEDULE_FIELDS.join(', ')}`,
    );
  }

  const name = e.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.length > MAX_SCHEDULE_NAME_LENGTH) {
    fail(
      'name',
      `must be 1 to ${MAX_SCHEDULE_NAME_LENGTH} letters, digits or . _ : - (starting with a letter or digit): value was ${JSON.stringify(name)}`,
    );
  }
  const cron = e.cron;
  if (typeof cron !== 'string') fail('cron', `must be a cron expression string like "0 2 * * *": value was ${JSON.stringify(cron)}`);
  else {
    try {
      checkCron(cron);
    } catch (err) {
      fail(
        'cron',
        `is not a valid 5- or 6-field cron expression: ${JSON.stringify(cron)} (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
  const timezone = e.timezone ?? SCHEDULE_DEFAULTS.timezone;
  if (typeof timezone !== 'string' || !isKnownTimezone(timezone)) {
    fail('timezone', `must be an IANA time zone like "Europe/Berlin" or "UTC": value was ${JSON.stringify(timezone)} (unknown time zone)`);
  }
  const type = e.type;
  if (typeof type !== 'string' || type.trim() === '' || type.length > MAX_SCHEDULE_TYPE_LENGTH) {
    fail('type', `must be a message type of 1 to ${MAX_SCHEDULE_TYPE_LENGTH} characters: value was ${JSON.stringify(type)}`);
  }
  const payload = e.payload ?? SCHEDULE_DEFAULTS.payload;
  const tenants = e.tenants ?? SCHEDULE_DEFAULTS.tenants;
  if (
    tenants !== '*' &&
    !(
      Array.isArray(tenants) &&
      tenants.length > 0 &&
      tenants.every((t) => typeof t === 'string' && t !== '') &&
      new Set(tenants).size === tenants.length
    )
  ) {
    fail('tenants', `must be "*" (every tenant) or a non-empty array of distinct tenant ids: value was ${JSON.stringify(tenants)}`);
  }
  const catchUp = e.catchUp ?? SCHEDULE_DEFAULTS.catchUp;
  if (!(CATCH_UP_VALUES as readonly unknown[]).includes(catchUp)) {
    fail('catchUp', `must be ${CATCH_UP_VALUES.map((v) => `"${v}"`).join(' or ')}: value was ${JSON.stringify(catchUp)}`);
  }
  if (!ok) return undefined;
  return {
    name: name as string,
    cron: cron as string,
    timezone: timezone as string,
    type: type as string,
    payload,
    tenants: tenants === '*' ? '*' : Object.freeze([...(tenants as string[])]),
    catchUp: catchUp as CatchUp,
  };
}

/**
 * The schedules naming a tenant id the tenant map lacks, one line each ("nightly: unknown tenant
 * 'acme'"); empty when every named tenant exists. Checked where both files are loaded (tqw run).
 */
export function unknownScheduleTenants(schedules: readonly ScheduleConfig[], tenantIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const s of schedules) {
    if (s.tenants === '*') continue;
    const unknown = s.tenants.filter((t) => !tenantIds.has(t));
    if (unknown.length > 0) {
      problems.push(
        `schedule "${s.name}": tenants names unknown tenant id${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')}`,
      );
    }
  }
  return problems;
}

/** Whether the schedule enqueues for `tenantId`. */
export function scheduleCoversTenant(schedule: ScheduleConfig, tenantId: string): boolean {
  return schedule.tenants === '*' || schedule.tenants.includes(tenantId);
}
