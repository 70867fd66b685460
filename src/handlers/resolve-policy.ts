import type { WorkerOptions } from '../worker/options';
import { defaultRetryPolicy, withOverrides, type RetryPolicy } from '../retry/retry-policy';
import type { LoadedHandler } from './types';

/** How the worker runs and retries one message type: the handler's overrides, else worker defaults. */
export interface HandlerPolicy {
  /** Per-attempt time limit (handler.timeoutMs, else worker.handlerTimeoutMs). */
  timeoutMs: number;
  /** Attempts before dead-lettering (handler.maxAttempts, else worker.maxAttempts). */
  maxAttempts: number;
  /** Snoozes allowed before the message is dead-lettered (handler.maxSnoozes, else worker.maxSnoozes). */
  maxSnoozes: number;
  /** The retry policy of the type (src/retry/retry-policy.ts), with the handler's and the embedder's overrides. */
  retry: RetryPolicy;
  /** Run inside the tenant transaction (handler.transactional, else true). */
  transactional: boolean;
}

type PolicyOptions = Pick<WorkerOptions, 'handlerTimeoutMs' | 'maxAttempts' | 'maxSnoozes' | 'backoffBaseMs' | 'backoffMaxMs'>;

/**
 * The effective policy of each message type, built once per type (not per message). `loaded`
 * undefined is a type without a handler: the worker defaults (it is retried like any failure while
 * a handler may be deploying). The retry policy: the default (exponential backoff,
 * src/retry/retry-policy.ts) with the handler's backoffBaseMs/backoffMaxMs, then the embedder's
 * `retryPolicy` parts, then the handler's own.
 *
 * One rule beyond "override else default": a handler that raises backoffBaseMs above the worker's
 * backoffMaxMs without giving its own backoffMaxMs gets the cap raised to its base, so the handler's
 * explicit wish is not silently cut down by a worker-wide default it may not know about.
 */
export class HandlerPolicies {
  private readonly resolved = new Map<LoadedHandler | undefined, HandlerPolicy>();

  constructor(
    private readonly options: PolicyOptions,
    /** The embedder's replacement parts of the retry policy (run({ retryPolicy })), for every type. */
    private readonly retryOverride?: Partial<RetryPolicy>,
  ) {}

  of(loaded: LoadedHandler | undefined): HandlerPolicy {
    let policy = this.resolved.get(loaded);
    if (!policy) {
      policy = resolvePolicy(loaded, this.options, this.retryOverride);
      this.resolved.set(loaded, policy);
    }
    return policy;
  }
}

/** One type's policy (see HandlerPolicies, which caches it). */
export function resolvePolicy(
  loaded: LoadedHandler | undefined,
  options: PolicyOptions,
  retryOverride?: Partial<RetryPolicy>,
): HandlerPolicy {
  const handler = loaded?.handler;
  const baseMs = handler?.backoffBaseMs ?? options.backoffBaseMs;
  const maxMs =
    handler?.backoffMaxMs ?? (handler?.backoffBaseMs !== undefined ? Math.max(options.backoffMaxMs, baseMs) : options.backoffMaxMs);
  return {
    timeoutMs: handler?.timeoutMs ?? options.handlerTimeoutMs,
    maxAttempts: handler?.maxAttempts ?? options.maxAttempts,
    maxSnoozes: handler?.maxSnoozes ?? options.maxSnoozes,
    retry: withOverrides(withOverrides(defaultRetryPolicy({ baseMs, maxMs }), retryOverride), handler?.retryPolicy),
    transactional: handler?.transactional ?? true,
  };
}
