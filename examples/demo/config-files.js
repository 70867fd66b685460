'use strict';
/**
 * Writes the worker's config file and tenants file into the demo's temp folder, the way an operator
 * would for a real deployment. The tenants file carries no password: `${DEMO_PG_PASSWORD}` is expanded
 * by tqw from the worker's environment, which is how secrets stay out of files (and out of git).
 */
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { HOST } = require('./ports');
const { TENANTS, tenantUrl } = require('./tenants');

/** The env var the tenants file refers to; demo.js sets it in the worker's environment only. */
const PASSWORD_ENV_VAR = 'DEMO_PG_PASSWORD';

const HANDLERS_DIR = join(__dirname, '..', 'handlers');

function writeJson(path, value) {
  // 0600: config files of a real deployment are not world-readable either.
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** @returns {{ configFile: string, tenantsFile: string }} */
function writeConfigFiles({ dir, pgPort, httpPort }) {
  const tenantsFile = writeJson(
    join(dir, 'tenants.json'),
    TENANTS.map((tenant) => ({
      id: tenant.id,
      connectionString: tenantUrl(tenant, pgPort, `\${${PASSWORD_ENV_VAR}}`),
      ...(tenant.schema === undefined ? {} : { schema: tenant.schema }),
    })),
  );
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenantsFile },
    handlers: { dir: HANDLERS_DIR },
    // Local only; the demo prints http://127.0.0.1:<port>/metrics and /healthz.
    http: { host: HOST, port: httpPort },
    worker: {
      concurrency: 16,
      // Fewer and shorter retries than the defaults (5 attempts, 1 s doubling up to 5 min), so the
      // unknown message type reaches DeadLetter within seconds while you watch.
      maxAttempts: 3,
      backoffBaseMs: 500,
      backoffMaxMs: 4000,
      // A drain that fits comfortably in the demo's own wait for the worker to exit.
      shutdownTimeoutMs: 10000,
    },
    // The queue_depth gauge on /metrics follows the live view closely (default 15 s).
    metrics: { depthIntervalMs: 2000 },
    log: { level: 'info' },
  });
  return { configFile, tenantsFile };
}

module.exports = { writeConfigFiles, PASSWORD_ENV_VAR, HANDLERS_DIR };
