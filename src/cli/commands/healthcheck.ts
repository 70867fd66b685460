import { loadConfig } from '../../config/load-config';
import { probeLivez } from '../../http/livez-probe';
import type { CliCommand } from '../command';
import { COMMON_OPTIONS, integerOption, parseCommandArgs } from '../parse-args';

/** A container HEALTHCHECK allows 5 s (Dockerfile); answer before it gives up. */
const DEFAULT_TIMEOUT_MS = 3_000;

export const healthcheckCommand: CliCommand = {
  name: 'healthcheck',
  summary: "probe the running daemon's /livez (the image's HEALTHCHECK)",
  usage: `Usage: tqw healthcheck [--config FILE] [--timeout-ms N]

Asks the daemon that runs with this configuration (the same --config / TQW_CONFIG and TQW_* variables)
for GET /livez on its http.host and http.port (a wildcard host is reached on loopback). Exits 0 when
it answers 200, 1 otherwise (not listening, event loop overloaded, no answer in time), with one line.

  --config FILE     config file (JSON); default: TQW_CONFIG, else defaults and TQW_* env vars
  --timeout-ms N    how long to wait for the answer (default ${DEFAULT_TIMEOUT_MS})
  -h, --help        this help`,

  async run(args, ctx) {
    const { config: configOption, help } = COMMON_OPTIONS;
    const { values } = parseCommandArgs(args, { config: configOption, help, 'timeout-ms': { type: 'string' } });
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    const timeoutMs = integerOption(values['timeout-ms'], '--timeout-ms', DEFAULT_TIMEOUT_MS, 1, 60_000);
    const config = loadConfig({ configFile: values.config, env: ctx.io.env, cwd: ctx.io.cwd });
    const answer = await probeLivez(config.http.host, config.http.port, timeoutMs);
    if (answer.status === 200) {
      ctx.io.stdout(`healthy: ${answer.url} answered 200\n`);
      return 0;
    }
    ctx.io.stderr(
      `tqw: unhealthy: ${answer.url} ${answer.status === undefined ? `did not answer (${answer.detail})` : `answered ${answer.status}: ${answer.detail}`}\n`,
    );
    return 1;
  },
};
