/**
 * External validators (docker-compose, promtool, kubectl): found on PATH or not. Tests that need one run
 * only where it is installed and are reported as skipped elsewhere (`.ci/run` and the GitHub workflow
 * install them).
 */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './repo';

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertion messages. */
  output: string;
}

export function runTool(command: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): ToolResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    // Compose interpolates ${VAR:-default} from the environment: run with the documented defaults only.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
  });
  const stdout = result.stdout ?? '';
  const stderr = result.stderr ?? '';
  return { status: result.status, stdout, stderr, output: `${stdout}${stderr}`.trim() };
}

/** Whether `command --version`-style probing finds an executable. */
function answers(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
}

export const promtool: string | undefined = answers('promtool', ['--version']) ? 'promtool' : undefined;
export const kubectl: string | undefined = answers('kubectl', ['version', '--client']) ? 'kubectl' : undefined;

/** Debian's docker-compose 1.29, else the Compose v2 plugin (`docker compose`), as [command, ...prefixArgs]. */
export const compose: readonly string[] | undefined = answers('docker-compose', ['version'])
  ? ['docker-compose']
  : answers('docker', ['compose', 'version'])
    ? ['docker', 'compose']
    : undefined;
