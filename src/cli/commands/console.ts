import { runConsole } from '../../console/run-console';
import type { CliCommand } from '../command';
import { TENANTS_USAGE } from '../parse-args';
import { longRunningCommand } from '../long-running-command';

const USAGE = `Usage: tqw console [--config FILE] [--tenants FILE]

Serves the operator console on console.host:console.port (default 127.0.0.1:9465): the fleet, a
tenant's messages, dead letters across tenants, requeue/delete/pause. Runs no handlers and claims
nothing, so it can use a tenants file of admin logins. console.token (TQW_CONSOLE_TOKEN) is
required (exit 78 without it); console.readOnly answers 403 to every action. \`tqw run\` serves the
same console when console.enabled is true. SIGTERM/SIGINT stop it, SIGHUP re-reads the tenants file.

  --config FILE   config file (JSON); default: TQW_CONFIG, else defaults and TQW_* env vars
${TENANTS_USAGE}
  -h, --help      this help`;

/** `tqw console`: the operator console alone (src/console/run-console.ts). */
export const consoleCommand: CliCommand = {
  name: 'console',
  summary: 'serve the operator console (web page and JSON API) without running handlers',
  usage: USAGE,

  run: longRunningCommand(USAGE, runConsole),
};
