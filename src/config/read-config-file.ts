import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import { describeJsonSyntaxError } from './json-syntax-error';

/**
 * Reads and parses a JSON config file into a plain object. We read it ourselves rather than with
 * convict's loadFile so every failure (missing, unreadable, a directory, malformed JSON, not an
 * object) becomes one ConfigError line naming the file, with line and column for syntax errors.
 */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config error: config file ${file} ${describeReadError(err)} (check --config or TQW_CONFIG)`);
  }
  if (text.trim() === '') {
    throw new ConfigError(`config error in ${file}: the file is empty (write {} to use the defaults)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config error in ${file}: not valid JSON: ${describeJsonSyntaxError(err, text)} (fix the JSON syntax)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      `config error in ${file}: the file must hold a JSON object like {"worker": {"concurrency": 10}}, not ${jsonKind(parsed)}`,
    );
  }
  return parsed as Record<string, unknown>;
}

export function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable by this user';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
