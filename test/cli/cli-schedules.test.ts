/**
 * `tqw schedules`: the config's recurring schedules with their next occurrence, as a table and as
 * JSON; an invalid schedule is a configuration error (exit 78, one line naming schedule and field).
 * Runs the built CLI (`npm run build` first).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ScheduleClock } from '../../src/schedules/cron';
import { REPO_ROOT, runCli, tempDir, writeJson } from '../support/processes';

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
});

const config = (schedules: unknown) => writeJson(join(tempDir('cli-schedules'), 'config.json'), { schedules });

const SCHEDULES = [
  {
    name: 'nightly-report',
    cron: '0 2 * * *',
    timezone: 'Europe/Berlin',
    type: 'Report',
    payload: { format: 'pdf' },
    tenants: ['acme', 'globex'],
  },
  { name: 'heartbeat', cron: '*/30 * * * * *', type: 'Ping', catchUp: 'none' },
];

test('--json lists name, cron, timezone, type, tenants, catchUp and the next occurrence of each schedule', async () => {
  const before = new Date();
  const r = await runCli(['schedules', '--json', '--config', config(SCHEDULES)]);
  const after = new Date();
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const { schedules } = JSON.parse(r.stdout) as { schedules: Array<Record<string, unknown>> };
  expect(schedules.map(({ nextOccurrence: _next, ...rest }) => rest)).toEqual([
    {
      name: 'nightly-report',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      type: 'Report',
      tenants: ['acme', 'globex'],
      catchUp: 'latest',
    },
    { name: 'heartbeat', cron: '*/30 * * * * *', timezone: 'UTC', type: 'Ping', tenants: '*', catchUp: 'none' },
  ]);
  for (const [i, s] of schedules.entries()) {
    const clock = new ScheduleClock({ cron: SCHEDULES[i]!.cron, timezone: String(s.timezone) });
    // Computed between the two instants around the run.
    expect([clock.next(before)?.toISOString(), clock.next(after)?.toISOString()]).toContain(s.nextOccurrence);
  }
  const berlin = new Date(String(schedules[0]!.nextOccurrence));
  expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(berlin)).toBe('02:00');
});

test('the table has one row per schedule; no schedules says so', async () => {
  const r = await runCli(['schedules', '--config', config(SCHEDULES)]);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^NAME\s+CRON\s+TIMEZONE\s+TYPE\s+TENANTS\s+CATCH_UP\s+NEXT$/);
  expect(lines[1]).toMatch(/^nightly-report\s+0 2 \* \* \*\s+Europe\/Berlin\s+Report\s+acme,globex\s+latest\s+\d{4}-\d\d-\d\dT/);
  expect(lines[2]).toMatch(/^heartbeat\s+\*\/30 \* \* \* \* \*\s+UTC\s+Ping\s+\*\s+none\s+\d{4}-/);
  const none = await runCli(['schedules', '--config', config([])]);
  expect(none).toMatchObject({ code: 0, stdout: expect.stringContaining('no schedules') });
  expect((await runCli(['--help'])).stdout).toMatch(/^ {2}schedules +list the recurring schedules/m);
});

test('an invalid schedule: exit 78, one line naming the schedule and the field', async () => {
  const r = await runCli(['schedules', '--config', config([{ name: 'broken', cron: '0 25 * * *', type: 'T' }])]);
  expect(r.code).toBe(78);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('schedules[0] "broken": cron is not a valid 5- or 6-field cron expression: "0 25 * * *"');
});

test('tqw run with a schedule naming a tenant the tenants file lacks: exit 78 before any work, one line naming schedule and tenant', async () => {
  const dir = tempDir('cli-schedules-run');
  writeJson(join(dir, 'tenants.json'), [{ id: 'acme', connectionString: 'postgres://worker:pw@127.0.0.1:9/acme' }]);
  const file = writeJson(join(dir, 'config.json'), {
    tenants: { file: './tenants.json', watch: false },
    http: { host: '127.0.0.1', port: 0 },
    schedules: [{ name: 'nightly', cron: '0 2 * * *', type: 'Report', tenants: ['acme', 'initech'] }],
  });
  const r = await runCli(['run', '--config', file]);
  expect(r.code).toBe(78);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`schedule "nightly": tenants names unknown tenant id 'initech'`);
});
