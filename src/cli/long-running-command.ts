import type { CliCommand, CommandContext } from './command';
import { TENANT_MAP_OPTIONS, parseCommandArgs, selectionEnv } from './parse-args';

/** What a long-running command (`tqw run`, `tqw console`) is started with. */
export interface ServiceSelection {
  configFile: string | undefined;
  env: NodeJS.ProcessEnv;
}

/**
 * The `run` of a command that takes only --config, --tenants and --help and then serves until a
 * signal: prints its usage for --help, else hands the config selection to `start` (its exit code).
 */
export function longRunningCommand(usage: string, start: (selection: ServiceSelection) => Promise<number>): CliCommand['run'] {
  return async (args: string[], ctx: CommandContext) => {
    const { config, help, tenants } = TENANT_MAP_OPTIONS;
    const { values } = parseCommandArgs(args, { config, help, tenants });
    if (values.help) {
      ctx.io.stdout(`${usage}\n`);
      return 0;
    }
    return start({ configFile: values.config, env: selectionEnv(values, ctx.io.env, ctx.io.cwd) });
  };
}
