import pino, { type DestinationStream } from 'pino';

/**
 * Where a CLI command reads and writes. The real process uses stdout/stderr/process.env; tests
 * run `main()` in-process with strings captured.
 */
export interface CliIo {
  /** Results (tables, JSON, ids). */
  stdout(text: string): void;
  /** Errors and notes for humans. */
  stderr(text: string): void;
  /** Environment for TQW_* variables and ${VAR} expansion. */
  env: NodeJS.ProcessEnv;
  /** Directory relative paths (--config, --payload @file) are resolved against. */
  cwd: string;
  /** Destination of the JSON log lines of admin commands (kept off stdout so --json stays parseable). */
  logDestination(): DestinationStream;
  /** Reads all of stdin (`--payload @-`). */
  readStdin(): Promise<string>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    logDestination: () => pino.destination({ dest: 2, sync: true }),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
