/**
 * Jest configuration.
 * - ts-jest compiles TypeScript tests per file (tsconfig isolatedModules; type checking is `npm run typecheck`).
 * - globalSetup starts one embedded PostgreSQL for the whole run (or uses PG_URL); every test file
 *   creates its own fresh database from it (test/support/postgres.ts).
 * - SQL Server tests run when MSSQL_URL is set and are reported as skipped otherwise.
 * - setupFiles removes the variables that configure tqw (TQW_*, PG*, EXAMPLE_*) from each test file's
 *   environment: tests never depend on the environment that runs them (test/support/hermetic-env.ts).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  setupFiles: ['<rootDir>/test/support/hermetic-env.setup.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  // The package and image tests (installs, builds) first, away from the timing-sensitive reliability scenarios.
  testSequencer: '<rootDir>/test/support/sequencer.js',
  testTimeout: 60_000,
  // Two cores here: two test files at a time against one PostgreSQL server.
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
