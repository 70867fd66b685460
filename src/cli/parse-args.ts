import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors';
import { UUID_TEXT } from '../store/message-id';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;

export const COMMON_USAGE = `
Common options:
  --config FILE   config file (JSON); default: TQW_CONFIG, else defaults and TQW_* env vars
  --json          machine-readable JSON on stdout
  -h, --help      this help`;

/**
 * node:util parseArgs in strict mode, with its errors turned into UsageError (exit 64) carrying the
 * first sentence of Node's message ("Unknown option '--x'").
 */
export function parseCommandArgs<O extends Options>(
  args: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.split(/\.\s/)[0].replace(/\.$/, ''));
  }
}

/** The value of a required string option, or a UsageError naming it. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** A UUID option (message ids and correlation ids are UNIQUEIDENTIFIER / uuid columns). */
export function uuidOption(value: string, flag: string): string {
  if (!UUID_TEXT.test(value.trim())) throw new UsageError(`${flag} must be a UUID like 0b5e2c1a-8f3d-4c2e-9a7b-1d2e3f4a5b6c, got '${value}'`);
  return value.trim().toLowerCase();
}

/** A positive integer option within [min, max]. */
export function integerOption(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer between ${min} and ${max}, got '${value}'`);
  return n;
}
