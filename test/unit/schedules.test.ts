/**
 * Recurring jobs, the pure parts: the "schedules" config array (defaults, every validation error
 * naming the schedule and field), occurrences (5- and 6-field cron, time zones) and the
 * deterministic occurrence ids.
 */
import { loadConfig } from '../../src/config/load-config';
import { ConfigError } from '../../src/errors';
import { ScheduleClock } from '../../src/schedules/cron';
import { OCCURRENCE_NAMESPACE, occurrenceId, uuidV5 } from '../../src/schedules/occurrence-id';
import { parseSchedules, unknownScheduleTenants } from '../../src/schedules/parse-schedules';
import { configError, writeConfig } from '../support/config-files';

const parse = (raw: unknown) => {
  const problems: string[] = [];
  const schedules = parseSchedules(raw, (p) => problems.push(p));
  return { schedules, problems };
};

describe('schedules in the config file', () => {
  test('defaults: timezone UTC, payload {}, tenants "*", catchUp "latest"; no "schedules" key means none', () => {
    const file = writeConfig({ schedules: [{ name: 'nightly-report', cron: '0 2 * * *', type: 'Report' }] });
    expect(loadConfig({ configFile: file, env: {} }).schedules).toEqual([
      { name: 'nightly-report', cron: '0 2 * * *', timezone: 'UTC', type: 'Report', payload: {}, tenants: '*', catchUp: 'latest' },
    ]);
    expect(loadConfig({ configFile: writeConfig({}), env: {} }).schedules).toEqual([]);
    expect(loadConfig({ env: {} }).schedules).toEqual([]);
  });

  test('every field as given', () => {
    const entry = {
      name: 'hourly',
      cron: '30 0 * * * *',
      timezone: 'Europe/Berlin',
      type: 'Sync',
      payload: { full: true },
      tenants: ['acme', 'globex'],
      catchUp: 'none',
    };
    expect(parse([entry])).toEqual({ schedules: [entry], problems: [] });
  });

  test.each([
    [{ name: 'a', cron: '0 2 * *', type: 'T' }, 'schedules[0] "a": cron is not a valid 5- or 6-field cron expression: "0 2 * *"'],
    [{ name: 'a', cron: '61 * * * *', type: 'T' }, 'schedules[0] "a": cron is not a valid 5- or 6-field cron expression: "61 * * * *"'],
    [{ name: 'a', cron: '0 0 0 1 1 * 2030', type: 'T' }, 'schedules[0] "a": cron is not a valid 5- or 6-field cron expression'],
    [{ name: 'a', cron: '* * * * *', type: 'T', timezone: 'Mars/Olympus' }, 'schedules[0] "a": timezone must be an IANA time zone'],
    [{ name: 'a', cron: '* * * * *', type: '' }, 'schedules[0] "a": type must be a message type'],
    [{ name: 'a', cron: '* * * * *' }, 'schedules[0] "a": type must be a message type'],
    [{ cron: '* * * * *', type: 'T' }, 'schedules[0]: name must be 1 to 200 letters'],
    [{ name: 'has space', cron: '* * * * *', type: 'T' }, 'schedules[0] "has space": name must be'],
    [{ name: 'a', cron: '* * * * *', type: 'T', tenants: [] }, 'schedules[0] "a": tenants must be "*" (every tenant) or a non-empty array'],
    [{ name: 'a', cron: '* * * * *', type: 'T', tenants: 'acme' }, 'schedules[0] "a": tenants must be'],
    [{ name: 'a', cron: '* * * * *', type: 'T', catchUp: 'all' }, 'schedules[0] "a": catchUp must be "latest" or "none": value was "all"'],
    [
      { name: 'a', cron: '* * * * *', type: 'T', timzone: 'UTC' },
      'schedules[0] "a": "timzone" is not a schedule field (did you mean "timezone"?)',
    ],
    ['nightly', 'schedules[0] must be an object'],
  ])('%j is refused: %s', (entry, expected) => {
    const { schedules, problems } = parse([entry]);
    expect(schedules).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  test('a duplicate name is refused, naming it; "schedules" must be an array', () => {
    const twice = parse([
      { name: 'same', cron: '* * * * *', type: 'T' },
      { name: 'same', cron: '0 * * * *', type: 'U' },
    ]);
    expect(twice.problems).toEqual(['schedules[1] "same": duplicate name (every schedule needs its own name)']);
    expect(twice.schedules.map((s) => s.type)).toEqual(['T']);
    expect(parse({ name: 'x' }).problems[0]).toContain('"schedules" must be an array');
  });

  test('loadConfig reports every schedule problem with the file, as a ConfigError (exit 78), with the other config problems', () => {
    const file = writeConfig({ schedules: [{ name: 'bad-cron', cron: 'every day', type: 'T' }] });
    const one = configError(() => loadConfig({ configFile: file, env: {} }));
    expect(one.code).toBe('TQW_CONFIG_INVALID');
    expect(one.message).toContain(`config error in ${file}: schedules[0] "bad-cron": cron is not a valid 5- or 6-field cron expression`);
    const two = writeConfig({
      worker: { concurrency: 0 },
      schedules: [{ name: 'x', cron: '* * * * *', type: 'T', timezone: 'Nowhere/City' }],
    });
    let err: unknown;
    try {
      loadConfig({ configFile: two, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^2 config errors/);
    expect((err as Error).message).toContain('worker.concurrency');
    expect((err as Error).message).toContain('schedules[0] "x": timezone must be an IANA time zone');
  });

  test('unknown tenant ids are named per schedule; "*" matches any map', () => {
    const { schedules } = parse([
      { name: 'all', cron: '* * * * *', type: 'T' },
      { name: 'some', cron: '* * * * *', type: 'T', tenants: ['acme', 'initech', 'hooli'] },
    ]);
    expect(unknownScheduleTenants(schedules, new Set(['acme']))).toEqual([
      `schedule "some": tenants names unknown tenant ids 'initech', 'hooli'`,
    ]);
    expect(unknownScheduleTenants(schedules, new Set(['acme', 'initech', 'hooli']))).toEqual([]);
  });
});

describe('occurrences', () => {
  test('5 fields: minute precision, read in the schedule time zone (02:00 Berlin is 01:00 UTC in winter, 00:00 in summer)', () => {
    const clock = new ScheduleClock({ cron: '0 2 * * *', timezone: 'Europe/Berlin' });
    expect(clock.next(new Date('2026-12-06T00:30:00Z'))?.toISOString()).toBe('2026-12-06T01:00:00.000Z');
    expect(clock.next(new Date('2026-07-06T00:30:00Z'))?.toISOString()).toBe('2026-07-07T00:00:00.000Z');
    expect(clock.latest(new Date('2026-12-06T00:30:00Z'))?.toISOString()).toBe('2026-12-05T01:00:00.000Z');
  });

  test('latest is at or before now (an occurrence exactly now counts), next strictly after', () => {
    const clock = new ScheduleClock({ cron: '*/10 * * * * *', timezone: 'UTC' });
    const at = new Date('2026-12-06T10:00:20.000Z');
    expect(clock.latest(at)?.toISOString()).toBe('2026-12-06T10:00:20.000Z');
    expect(clock.latest(new Date('2026-12-06T10:00:29.999Z'))?.toISOString()).toBe('2026-12-06T10:00:20.000Z');
    expect(clock.latest(new Date('2026-12-06T10:00:19.999Z'))?.toISOString()).toBe('2026-12-06T10:00:10.000Z');
    expect(clock.next(at)?.toISOString()).toBe('2026-12-06T10:00:30.000Z');
  });
});

describe('occurrence ids', () => {
  test('uuidV5 is RFC 9562 version 5 (the RFC example: DNS namespace, www.example.com)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(() => uuidV5('not-a-uuid', 'x')).toThrow(TypeError);
  });

  test('deterministic per (schedule, tenant, occurrence), different when any of them differs, and a version-5 UUID', () => {
    const at = new Date('2026-12-06T01:00:00.000Z');
    const id = occurrenceId('nightly', 'acme', at);
    expect(id).toBe(occurrenceId('nightly', 'acme', new Date(at.getTime())));
    expect(id).toBe(uuidV5(OCCURRENCE_NAMESPACE, '["nightly","acme","2026-12-06T01:00:00.000Z"]'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const others = [
      occurrenceId('nightly', 'globex', at),
      occurrenceId('hourly', 'acme', at),
      occurrenceId('nightly', 'acme', new Date(at.getTime() + 1000)),
      // The JSON array keeps separators apart: ("a,b", "c") is not ("a", "b,c").
      occurrenceId('nightly,acme', '', at),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
