import type { Logger } from 'pino';
import { loadConfig, type LoadConfigOptions } from './config/load-config';
import { startDaemon, type DaemonHandle } from './daemon/daemon';
import { HandlerRegistry } from './handlers/handler-registry';
import type { Handler } from './handlers/types';
import { createLogger } from './log/logger';
import { createRedactor } from './log/redact';
import type { RetryPolicy } from './retry/retry-policy';

export interface RunOptions extends LoadConfigOptions {
  /** Use this pino logger instead of one built from log.level (it should redact; see createLogger). Default: a new one. */
  logger?: Logger;
  /**
   * The handlers to run, as objects (defineHandler, definePostgresHandler, ...), checked as the
   * handlers of handlers.dir are. Default: the modules of handlers.dir.
   */
  handlers?: readonly Handler[];
  /** Replaces parts of the default retry policy for every type (src/retry/retry-policy.ts); a handler's own retryPolicy wins. Default none. */
  retryPolicy?: Partial<RetryPolicy>;
}

/**
 * Starts the daemon in this process, exactly as `tqw run` does but without signal handling:
 * config from `configFile` / TQW_CONFIG / TQW_* env, tenants file, handlers, HTTP server.
 * Returns a handle with `stop()` (graceful drain) and `promise` (settles when stopped).
 *
 *   const worker = await run({ configFile: 'config/config.json', handlers: [sendEmail, productUpdate] });
 *   process.once('SIGTERM', () => void worker.stop());
 *   await worker.promise;
 */
export async function run(options: RunOptions = {}): Promise<DaemonHandle> {
  const config = loadConfig(options);
  const redactor = createRedactor([]);
  const logger = options.logger ?? createLogger({ level: config.log.level, redactor });
  const handlers = options.handlers ? HandlerRegistry.fromHandlers(options.handlers, '<run() handlers>') : undefined;
  return startDaemon({ config, logger, redactor, env: options.env, handlers, retryPolicy: options.retryPolicy });
}
