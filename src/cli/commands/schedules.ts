import { loadConfig } from '../../config/load-config';
import { ScheduleClock } from '../../schedules/cron';
import type { CliCommand } from '../command';
import { COMMON_OPTIONS, COMMON_USAGE, parseCommandArgs } from '../parse-args';
import { renderTable } from '../table';

export const schedulesCommand: CliCommand = {
  name: 'schedules',
  summary: 'list the recurring schedules of the config and when each runs next',
  usage: `Usage: tqw schedules [--config FILE] [--json]

Validates the config file's "schedules" and lists each one: name, cron, time zone, message type,
tenants ("*" = every tenant) and its next occurrence (UTC, ISO 8601). Reads no database and not the
tenants file.

${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(args, COMMON_OPTIONS);
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    const config = loadConfig({ configFile: values.config, env: ctx.io.env, cwd: ctx.io.cwd });
    const now = new Date();
    const schedules = config.schedules.map((s) => ({
      name: s.name,
      cron: s.cron,
      timezone: s.timezone,
      type: s.type,
      tenants: s.tenants,
      catchUp: s.catchUp,
      nextOccurrence: new ScheduleClock(s).next(now)?.toISOString() ?? null,
    }));
    if (values.json) {
      ctx.io.stdout(`${JSON.stringify({ schedules }, null, 2)}\n`);
      return 0;
    }
    if (schedules.length === 0) {
      ctx.io.stdout('no schedules (add a "schedules" array to the config file; see README "Recurring jobs")\n');
      return 0;
    }
    ctx.io.stdout(
      renderTable(
        ['NAME', 'CRON', 'TIMEZONE', 'TYPE', 'TENANTS', 'CATCH_UP', 'NEXT'],
        schedules.map((s) => [
          s.name,
          s.cron,
          s.timezone,
          s.type,
          s.tenants === '*' ? '*' : s.tenants.join(','),
          s.catchUp,
          s.nextOccurrence,
        ]),
      ),
    );
    return 0;
  },
};
