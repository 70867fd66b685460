import type { Logger } from 'pino';
import { loadConfig, type LoadConfigOptions } from './config/load-config';
import { startDaemon, type DaemonHandle } from './daemon/daemon';
import { createLogger } from './log/logger';
import { createRedactor } from './log/redact';

export interface RunOptions extends LoadConfigOptions {
  /** Use this pino logger instead of one built from log.level (it should redact; see createLogger). */
  logger?: Logger;
}

/**
 * Starts the daemon in this process, exactly as `tqw run` does but without signal handling:
 * config from `configFile` / TQW_CONFIG / TQW_* env, tenants file, handler modules, HTTP server.
 * Returns a handle with `stop()` (graceful drain) and `promise` (settles when stopped).
 *
 *   const worker = await run({ configFile: 'config/config.json' });
 *   process.once('SIGTERM', () => void worker.stop());
 *   await worker.promise;
 */
export async function run(options: RunOptions = {}): Promise<DaemonHandle> {
  const config = loadConfig(options);
  const redactor = createRedactor([]);
  const logger = options.logger ?? createLogger({ level: config.log.level, redactor });
  return startDaemon({ config, logger, redactor, env: options.env });
}
