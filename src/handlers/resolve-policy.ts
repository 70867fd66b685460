import type { WorkerOptions } from '../worker/options';
import type { LoadedHandler } from './types';

/** How the worker runs and retries one message type: the handler's overrides, else worker defaults. */
export interface HandlerPolicy {
  /** Per-attempt time limit (handler.timeoutMs, else worker.handlerTimeoutMs). */
  timeoutMs: number;
  /** Attempts before dead-lettering (handler.maxAttempts, else worker.maxAttempts). */
  maxAttempts: number;
  /** First retry delay (handler.backoffBaseMs, else worker.backoffBaseMs). */
  backoffBaseMs: number;
  /** Cap of the retry delay (handler.backoffMaxMs, else worker.backoffMaxMs, raised to backoffBaseMs if below it). */
  backoffMaxMs: number;
  /** Run inside the tenant transaction (handler.transactional, else true). */
  transactional: boolean;
}

/**
 * The effective policy of a message type. `loaded` is undefined for a type without a handler: it
 * gets the worker defaults (it is retried like any failure while a handler may be deploying).
 *
 * One rule beyond "override else default": a handler that raises backoffBaseMs above the worker's
 * backoffMaxMs without giving its own backoffMaxMs gets the cap raised to its base, so the handler's
 * explicit wish is not silently cut down by a worker-wide default it may not know about.
 */
export function resolvePolicy(
  loaded: LoadedHandler | undefined,
  options: Pick<WorkerOptions, 'handlerTimeoutMs' | 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs'>,
): HandlerPolicy {
  const handler = loaded?.handler;
  const backoffBaseMs = handler?.backoffBaseMs ?? options.backoffBaseMs;
  return {
    timeoutMs: handler?.timeoutMs ?? options.handlerTimeoutMs,
    maxAttempts: handler?.maxAttempts ?? options.maxAttempts,
    backoffBaseMs,
    backoffMaxMs:
      handler?.backoffMaxMs ??
      (handler?.backoffBaseMs !== undefined ? Math.max(options.backoffMaxMs, backoffBaseMs) : options.backoffMaxMs),
    transactional: handler?.transactional ?? true,
  };
}
