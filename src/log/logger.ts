/**
 * The process logger: pino, JSON lines to stdout, `{ service: 'tqw' }` on every line, level from
 * config (`log.level`). Secrets are kept out three ways:
 * - pino `redact` paths censor fields that are secret by name (connectionString, password, ...);
 * - the `err` serializer redacts the message and stack of logged errors;
 * - a `streamWrite` hook passes every finished line through the Redactor, which knows the passwords
 *   of the current tenant map (update them with `redactor.setSecrets(...)` on reload) and the generic
 *   password patterns. Child loggers share the hook, so handler loggers are covered too.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/schema';
import { createRedactor, type Redactor } from './redact';

export interface CreateLoggerOptions {
  /** Minimum level written. Default 'info'. */
  level?: LogLevel;
  /** Where lines go. Default stdout (fd 1, synchronous, so a fatal line is written before exit). */
  destination?: DestinationStream;
  /** Redactor applied to every line. Default: one with no known secrets (generic patterns only). */
  redactor?: Redactor;
  /** Extra fields on every line (besides service: 'tqw'). */
  base?: Record<string, unknown>;
}

/** Field paths censored by name wherever they appear (one or two levels deep, and in tenant lists). */
export const REDACTED_PATHS: readonly string[] = [
  'connectionString',
  '*.connectionString',
  '*.*.connectionString',
  'tenants[*].connectionString',
  'password',
  '*.password',
  '*.*.password',
  'pwd',
  '*.pwd',
  'clientSecret',
  '*.clientSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const redactor = options.redactor ?? createRedactor();
  const errSerializer = (err: unknown) => {
    const serialized = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
    if (typeof serialized !== 'object' || serialized === null) return serialized;
    for (const field of ['message', 'stack']) {
      if (typeof serialized[field] === 'string') serialized[field] = redactor.redact(serialized[field] as string);
    }
    return serialized;
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tqw', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS], censor: '***' },
      serializers: { err: errSerializer, error: (value: unknown) => (value instanceof Error ? errSerializer(value) : value) },
      hooks: { streamWrite: (line) => redactor.redactJsonLine(line) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
