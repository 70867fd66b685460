/**
 * The `tqw` command line: `tqw <command> [options]`, each command in ./commands. Resolves with the
 * exit code (never rejects): 0 ok, 1 failure, 64 usage error, 78 configuration error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closestName } from '../config/closest-name';
import { EXIT_USAGE } from '../errors';
import { createRedactor } from '../log/redact';
import type { CliCommand, CommandContext } from './command';
import { checkCommand } from './commands/check';
import { configCommand } from './commands/config';
import { consoleCommand } from './commands/console';
import { cancelCommand } from './commands/cancel';
import { deadLettersCommand } from './commands/dead-letters';
import { enqueueCommand } from './commands/enqueue';
import { healthcheckCommand } from './commands/healthcheck';
import { migrateCommand } from './commands/migrate';
import { pauseCommand, resumeCommand } from './commands/pause';
import { statsCommand } from './commands/stats';
import { showCommand } from './commands/show';
import { schedulesCommand } from './commands/schedules';
import { processIo, type CliIo } from './io';
import { reportError, usageHint } from './report-error';
import { runEntry } from './run-entry';

export const COMMANDS: readonly CliCommand[] = [
  runEntry,
  migrateCommand,
  enqueueCommand,
  checkCommand,
  statsCommand,
  deadLettersCommand,
  showCommand,
  cancelCommand,
  pauseCommand,
  resumeCommand,
  schedulesCommand,
  consoleCommand,
  configCommand,
  healthcheckCommand,
];

export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: tqw <command> [options]

tenant-queue-worker: runs handlers for the QueueMessages tables of many tenants (PostgreSQL, SQL Server).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Every command takes --config FILE (default TQW_CONFIG) and --help; most take --json.
Exit codes: 0 ok, 1 failure, 64 usage error, 78 configuration error.
Run 'tqw <command> --help' for a command's options.`;
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CommandContext = { io, redactor: createRedactor() };
  const [name, ...rest] = argv;
  let command: CliCommand | undefined;
  try {
    if (name === undefined) {
      io.stderr(`${mainUsage()}\n`);
      return EXIT_USAGE;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
      io.stdout(`${topic ? topic.usage : mainUsage()}\n`);
      return 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout(`${version()}\n`);
      return 0;
    }
    command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      const suggestion = closestName(
        name,
        COMMANDS.map((c) => c.name),
      );
      io.stderr(`tqw: unknown command '${name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}\n${usageHint(undefined)}\n`);
      return EXIT_USAGE;
    }
    return await command.run([...rest], ctx);
  } catch (err) {
    return reportError(err, command, ctx);
  }
}

/** The package version (package.json sits two levels up from both src/cli and dist/cli). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
