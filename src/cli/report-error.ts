import { ConfigError, EXIT_CONFIG, EXIT_USAGE, UsageError } from '../errors';
import type { CliCommand, CommandContext } from './command';

/**
 * Turns what a command threw into the exit code and ONE line on stderr (`tqw: <message>`), with
 * every secret removed: ConfigError -> 78 (EX_CONFIG; several config problems are one line each),
 * UsageError -> 64 (EX_USAGE, followed by a one-line hint where the usage is), anything else -> 1.
 * TQW_DEBUG=1 adds the (redacted) stack.
 */
export function reportError(err: unknown, command: CliCommand | undefined, ctx: CommandContext): number {
  const { io, redactor } = ctx;
  if (err instanceof ConfigError) {
    io.stderr(
      `tqw: ${err.message
        .split('\n')
        .map((line) => oneLine(redactor.redact(line)))
        .join('\n  ')}\n`,
    );
    return EXIT_CONFIG;
  }
  if (err instanceof UsageError) {
    io.stderr(`tqw: ${oneLine(redactor.redact(err.message))}\n${usageHint(command)}\n`);
    return EXIT_USAGE;
  }
  io.stderr(`tqw: ${oneLine(redactor.describe(err))}\n`);
  if (io.env.TQW_DEBUG && err instanceof Error && err.stack) io.stderr(`${redactor.redact(err.stack)}\n`);
  return 1;
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The line after a usage error: where the full usage is (printing all of it buries the error). */
export function usageHint(command: CliCommand | undefined): string {
  return command ? `Run 'tqw ${command.name} --help' for its options.` : "Run 'tqw --help' for the commands.";
}
