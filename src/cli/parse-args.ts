import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../config/closest-name';
import { UsageError } from '../errors';
import { UUID_TEXT } from '../store/message-id';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

/** The options of the commands that read the tenants file (every one but config and healthcheck). */
export const TENANT_MAP_OPTIONS = {
  ...COMMON_OPTIONS,
  tenants: { type: 'string' },
} as const satisfies Options;

export const TENANTS_USAGE = `  --tenants FILE  the tenants file for this command (as TQW_TENANTS_FILE): e.g. \`tqw migrate\`
                  with a file of admin logins while \`tqw run\` uses the least-privilege ones`;

export const COMMON_USAGE = `
Common options:
  --config FILE   config file (JSON); default: TQW_CONFIG, else defaults and TQW_* env vars
${TENANTS_USAGE}
  --json          machine-readable JSON on stdout
  -h, --help      this help`;

/** What the config and tenants options of a command select. */
export interface ConfigSelection {
  config?: string;
  tenants?: string;
}

/**
 * The environment a command loads its configuration from: `--tenants FILE` is TQW_TENANTS_FILE
 * (resolved against the working directory), so it takes the same precedence over the config file.
 */
export function selectionEnv(selection: ConfigSelection, env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  if (selection.tenants === undefined) return env;
  return { ...env, TQW_TENANTS_FILE: resolve(cwd, required(selection.tenants, '--tenants')) };
}

/**
 * node:util parseArgs in strict mode, with its errors turned into UsageError (exit 64): an unknown
 * option gets a did-you-mean, an option whose value starts with '-' says so; otherwise the first
 * sentence of Node's message.
 */
export function parseCommandArgs<O extends Options>(
  args: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw describeParseError(err instanceof Error ? err.message : String(err), args, options);
  }
}

function describeParseError(message: string, args: readonly string[], options: Options): UsageError {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) {
    const flag = unknown[1];
    const names = Object.keys(options).map((name) => `--${name}`);
    const suggestion = closestName(flag.split('=')[0], names);
    return new UsageError(`unknown option '${flag}'${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
  }
  const ambiguous = /^Option '(--[^' ]+)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const flag = ambiguous[1];
    const value = args[args.indexOf(flag) + 1] ?? '';
    return new UsageError(
      `${flag} needs a value, but '${value}' starts with '-' and reads as an option ` +
        `(negative values are not accepted; a value that really starts with '-' is written ${flag}=${value})`,
    );
  }
  return new UsageError(message.split(/\.\s/)[0].replace(/\.$/, ''));
}

/** The value of a required string option, or a UsageError naming it. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** A UUID option (message ids and correlation ids are UNIQUEIDENTIFIER / uuid columns). */
export function uuidOption(value: string, flag: string): string {
  if (!UUID_TEXT.test(value.trim()))
    throw new UsageError(`${flag} must be a UUID like 0b5e2c1a-8f3d-4c2e-9a7b-1d2e3f4a5b6c, got '${value}'`);
  return value.trim().toLowerCase();
}

/** A positive integer option within [min, max]. */
export function integerOption(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be an integer between ${min} and ${max}, got '${value}'`);
  return n;
}
