/**
 * The tests' environment is their own. Whatever environment runs them, the variables that configure
 * tqw or its drivers are removed before a test reads them (hermetic-env.setup.ts, for code running in
 * the test file) and from every child process's environment (`childEnv`, for spawned CLIs and
 * daemons), so an exported TQW_TENANTS_FILE cannot point a test at someone else's tenants:
 * - TQW_*: the config keys (TQW_CONCURRENCY, TQW_TENANTS_FILE, ...), TQW_CONFIG and the bench's knobs;
 * - PG* (PGHOST, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, ...): node-postgres fills missing parts
 *   of a connection string from them;
 * - EXAMPLE_*: the example handlers' settings (EXAMPLE_EMAIL_FAILURE_RATE).
 * The test run's own settings stay (HARNESS_VARIABLES, TQW_TEST_*, and PG_URL, MSSQL_URL,
 * TEST_BABELFISH_DIR, which match no pattern above). A test that wants one of these variables sets it
 * itself (in `childEnv(extra)` or its options).
 */

/** TQW_* variables that are settings of the test run, not of tqw (read only by test support code). */
export const HARNESS_VARIABLES: ReadonlySet<string> = new Set([
  'TQW_CONTAINER_ENGINE',
  'TQW_IMAGE_BUILD_FLAGS',
  'TQW_RELIABILITY_SEED',
  'TQW_RELIABILITY_FIGURES_DIR',
  'TQW_SOAK',
]);

/** Names of variables that configure tqw or its drivers (see the module comment). */
const AMBIENT_CONFIG: readonly RegExp[] = [/^TQW_/, /^PG(?!_)[A-Z_]+$/, /^EXAMPLE_/];

/** True for a variable that configures tqw or its drivers and is not a setting of the test run. */
export function isAmbientConfig(name: string): boolean {
  if (HARNESS_VARIABLES.has(name) || name.startsWith('TQW_TEST_')) return false;
  return AMBIENT_CONFIG.some((re) => re.test(name));
}

/** A copy of `env` without ambient config variables. */
export function withoutAmbientConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isAmbientConfig(name)));
}

/** Deletes the ambient config variables from `env` in place; returns their names. */
export function scrubAmbientConfig(env: NodeJS.ProcessEnv): string[] {
  const removed = Object.keys(env).filter(isAmbientConfig);
  for (const name of removed) delete env[name];
  return removed;
}

/** The environment for a child process of a test: this process's, without ambient config, plus `extra`. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...withoutAmbientConfig(process.env), ...extra };
}
