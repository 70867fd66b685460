import type { Redactor } from '../log/redact';
import type { CliIo } from './io';

/** What every command gets: where to read and write, and the redactor for anything it prints. */
export interface CommandContext {
  io: CliIo;
  /** Knows the tenant passwords once a command has loaded the tenants file. */
  redactor: Redactor;
}

export interface CliCommand {
  /** As typed: `tqw <name>`. */
  name: string;
  /** One line for `tqw --help`. */
  summary: string;
  /** Full help of the command (`tqw <name> --help`, and after a usage error). */
  usage: string;
  /** Runs the command with the arguments after its name; resolves with the exit code. */
  run(args: string[], ctx: CommandContext): Promise<number>;
}
