/** Helpers of the config tests: config files in fresh temporary directories, and the one-line ConfigError. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors';

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tqw-config-'));
}

/** Writes `value` (JSON, or a string as is) to `dir/name`; returns the file's path. */
export function writeConfig(value: unknown, dir = tempDir(), name = 'config.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

/** Runs `fn`, expects a ConfigError, returns it (and checks it is one line). */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}
