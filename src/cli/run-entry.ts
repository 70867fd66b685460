import type { CliCommand } from './command';
import { runCommand } from './commands/run';
import { TENANTS_USAGE } from './parse-args';
import { longRunningCommand } from './long-running-command';

const USAGE = `Usage: tqw run [--config FILE]

Runs the worker: loads the config, the tenants file and the handler modules (exit 78 if any is
invalid, before claiming anything), then polls every tenant's QueueMessages table and runs the
handlers. Logs JSON lines on stdout. HTTP on http.host:http.port: /livez /readyz /healthz /metrics.

Signals: SIGTERM/SIGINT drain gracefully (a second one is logged; the drain goes on to its deadline,
worker.shutdownTimeoutMs); SIGHUP re-reads the tenants file.

  --config FILE   config file (JSON); default: TQW_CONFIG, else defaults and TQW_* env vars
${TENANTS_USAGE}
  -h, --help      this help`;

/** `tqw run`: parses its options and hands over to runCommand (the daemon, src/cli/commands/run.ts). */
export const runEntry: CliCommand = {
  name: 'run',
  summary: 'run the worker daemon (polls every tenant, runs the handlers)',
  usage: USAGE,

  run: longRunningCommand(USAGE, runCommand),
};
