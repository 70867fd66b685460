/**
 * Loads the configuration: schema defaults, then the JSON config file (from `--config`, else
 * TQW_CONFIG, else none), then TQW_* environment variables (env always wins), validated strictly
 * (unknown keys and bad values are errors) and returned typed.
 *
 * Relative paths (tenants.file, handlers.dir) are resolved against the directory of the config
 * file when the config file set them, and against the working directory when they come from an
 * environment variable or the default (also when there is no config file).
 *
 * Every problem names the file or environment variable, the key, what is wrong and how to fix it;
 * all problems of one load are reported together in one ConfigError (config-problems.ts), except a
 * config file that cannot be read or parsed at all (nothing else can be checked then). The config holds no secrets (connection strings live in the
 * tenants file), so values may be quoted in messages.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import convict from 'convict';
import { ConfigProblems } from './config-problems';
import { readConfigFile } from './read-config-file';
import { checkFileValues, normalizeEnv } from './raw-values';
import { parseSchedules } from '../schedules/parse-schedules';
import { CONFIG_SCHEMA, SCHEDULES_KEY, schemaKeys, type SchemaKey, type TqwConfig, type TqwSchema } from './schema';

export type { LogLevel, TqwConfig } from './schema';

export interface LoadConfigOptions {
  /** Config file path (the `--config` argument); default env.TQW_CONFIG; none when both are unset. */
  configFile?: string;
  /** Environment to read TQW_* variables from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory relative paths without a config file are resolved against. Default process.cwd(). */
  cwd?: string;
}

/** Where a key's effective value came from (for error messages and `tqw config`). */
export type ValueSource = 'default' | 'file' | 'env';

export function loadConfig(options: LoadConfigOptions = {}): TqwConfig {
  return loadConfigWithSources(options).config;
}

export interface LoadedConfig {
  config: TqwConfig;
  /** Absolute path of the config file read, if any. */
  configFile: string | undefined;
  /** Source of each key's value, by dotted name. */
  sources: Record<string, ValueSource>;
}

/** `loadConfig` that also says which file was read and where each value came from. */
export function loadConfigWithSources(options: LoadConfigOptions = {}, schema: TqwSchema = CONFIG_SCHEMA): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fileArg = options.configFile ?? (env.TQW_CONFIG?.trim() ? env.TQW_CONFIG.trim() : undefined);
  const configFile = fileArg === undefined ? undefined : resolve(cwd, fileArg);

  const problems = new ConfigProblems();
  const rawFileValues = configFile === undefined ? {} : readConfigFile(configFile);
  const fileValues = configFile === undefined ? {} : checkFileValues(rawFileValues, configFile, schema, problems);
  const envValues = normalizeEnv(env, schema, problems);
  const schedules = parseSchedules(rawFileValues[SCHEDULES_KEY], (detail) => problems.add(configFile ?? 'the config file', detail));

  const keys = schemaKeys(schema);
  const sources: Record<string, ValueSource> = {};
  for (const k of keys) {
    if (envValues[k.spec.env] !== undefined) sources[k.name] = 'env';
    else if (fileValueOf(fileValues, k) !== undefined) sources[k.name] = 'file';
    else sources[k.name] = 'default';
  }
  const describe = new ProblemDescriber(configFile, env, fileValues, sources, keys, problems);

  // args: [] so convict never reads process.argv (the CLI parses its own arguments).
  const config = convict<TqwConfig>(schema as unknown as convict.Schema<TqwConfig>, { env: envValues, args: [] });
  config.load(fileValues);
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    describe.convictError(err);
  }
  const values: TqwConfig = { ...config.getProperties(), schedules };
  // A cross-key rule over a value already reported (and so left at its default) would only confuse.
  if (problems.size === 0) checkCrossKeyRules(values, describe);
  problems.throwIfAny();

  for (const k of keys) {
    if (!k.spec.path) continue;
    const section = values[k.section] as unknown as Record<string, string>;
    const base = sources[k.name] === 'file' && configFile !== undefined ? dirname(configFile) : cwd;
    section[k.key] = isAbsolute(section[k.key]) ? section[k.key] : resolve(base, section[k.key]);
  }
  return { config: values, configFile, sources };
}

/** Rules between keys that a per-key format cannot express. */
function checkCrossKeyRules(c: TqwConfig, describe: ProblemDescriber): void {
  const atMost = (low: string, lowValue: number, high: string, highValue: number) => {
    if (lowValue > highValue) {
      describe.problem([low, high], `${low} (${lowValue}) must be <= ${high} (${highValue})`, `lower ${low} or raise ${high}`);
    }
  };
  atMost('worker.pollMinMs', c.worker.pollMinMs, 'worker.pollMaxMs', c.worker.pollMaxMs);
  atMost('worker.backoffBaseMs', c.worker.backoffBaseMs, 'worker.backoffMaxMs', c.worker.backoffMaxMs);
}

/**
 * Why the console does not start without a token, and the fix: checked where the console starts
 * (`tqw run` with console.enabled, `tqw console`), not by every command that loads the config.
 */
export const CONSOLE_TOKEN_MISSING = 'console.token is required when the console runs (console.enabled is true)';
export const CONSOLE_TOKEN_FIX = 'set TQW_CONSOLE_TOKEN (or console.token) to a long random secret, e.g. `openssl rand -hex 32`';

function fileValueOf(fileValues: Record<string, unknown>, k: SchemaKey): unknown {
  const section = fileValues[k.section];
  if (typeof section !== 'object' || section === null) return undefined;
  return (section as Record<string, unknown>)[k.key];
}

/** Adds problems to the list, naming where the offending value came from. */
class ProblemDescriber {
  private readonly byName: Map<string, SchemaKey>;

  constructor(
    private readonly configFile: string | undefined,
    private readonly env: NodeJS.ProcessEnv,
    private readonly fileValues: Record<string, unknown>,
    private readonly sources: Record<string, ValueSource>,
    keys: SchemaKey[],
    private readonly problems: ConfigProblems,
  ) {
    this.byName = new Map(keys.map((k) => [k.name, k]));
  }

  /** A problem with one or more keys; blames the first key that was not left at its default. */
  problem(names: string[], detail: string, fix: string): void {
    const blamed = names.find((n) => this.sources[n] !== 'default') ?? names[0];
    this.problems.add(this.where(blamed), `${detail} (${fix})`);
  }

  /** convict's validate() error: one line per problem, each added. */
  convictError(err: unknown): void {
    const lines = (err instanceof Error ? err.message : String(err)).split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) lines.push('invalid configuration');
    for (const line of lines) this.convictLine(line);
  }

  private convictLine(line: string): void {
    const unknown = /configuration param '([^']+)' not declared/.exec(line);
    if (unknown) {
      this.problems.add(this.where(unknown[1]), `unknown key "${unknown[1]}" (run 'tqw config --docs' for every key)`);
      return;
    }
    const keyed = /^([\w.]+): (.*)$/.exec(line);
    const key = keyed ? this.byName.get(keyed[1]) : undefined;
    if (!keyed || !key) {
      this.problems.add(this.where(undefined), line);
      return;
    }
    const problem = keyed[2].replace(/: value was .*$/, '');
    const fix = this.sources[key.name] === 'env' ? `fix or unset ${key.spec.env}` : `edit ${key.name} in the file or set ${key.spec.env}`;
    this.problems.add(this.where(key.name), `${key.name} ${problem}: value was ${this.rawValue(key)} (${fix})`);
  }

  private rawValue(key: SchemaKey): string {
    if (key.spec.secret) return '(secret, not shown)';
    if (this.sources[key.name] === 'env') return JSON.stringify(this.env[key.spec.env] ?? '');
    if (this.sources[key.name] === 'file') return JSON.stringify(fileValueOf(this.fileValues, key));
    return JSON.stringify(key.spec.default);
  }

  private where(name: string | undefined): string {
    const key = name === undefined ? undefined : this.byName.get(name);
    if (key && this.sources[key.name] === 'env') return `environment variable ${key.spec.env}`;
    if (this.configFile !== undefined) return this.configFile;
    return 'the defaults and TQW_* environment variables (no config file)';
  }
}
