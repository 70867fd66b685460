import type { Logger } from 'pino';
import {
  HandlerTimeoutError,
  InvalidPayloadError,
  LeaseLostError,
  NoHandlerError,
  ShutdownAbortError,
  TenantMismatchError,
  describeError,
} from '../errors';
import type { HandlerRegistry } from '../handlers/handler-registry';
import { resolvePolicy } from '../handlers/resolve-policy';
import type { HandlerContext, Message } from '../handlers/types';
import type { TqwMetrics } from '../metrics/metrics';
import type { ClaimFence, ClaimedMessage, QueueStore } from '../store/types';
import { abortable } from './abortable';
import { decideFailure, truncate } from './failure-policy';
import { LeaseHeartbeat } from './heartbeat';
import type { WorkerOptions } from './options';

/**
 * What became of one claimed message:
 * completed / retried / dead_lettered: recorded in the table (these three are the metric outcomes);
 * released: given back on shutdown without counting the attempt;
 * lease_lost: another worker reclaimed it, this attempt changed nothing;
 * unrecorded: the outcome could not be written (database error): the lease will expire and
 * another attempt will follow, so nothing is lost.
 */
export type ProcessOutcome = 'completed' | 'retried' | 'dead_lettered' | 'released' | 'lease_lost' | 'unrecorded';

export interface ProcessDeps {
  tenantId: string;
  store: QueueStore;
  handlers: HandlerRegistry;
  options: WorkerOptions;
  /** Logger bound to the tenant. */
  logger: Logger;
  metrics: TqwMetrics;
  /** Removes secrets from text that goes to ErrorMessage or logs. */
  redact: (text: string) => string;
  /** Fires when the shutdown drain deadline passes: in-flight handlers are aborted and released. */
  shutdownSignal: AbortSignal;
}

/** Handles one claimed message from start to recorded outcome. Never throws. */
export async function processMessage(claim: ClaimedMessage, deps: ProcessDeps): Promise<ProcessOutcome> {
  const { store, metrics, tenantId } = deps;
  const log = deps.logger.child({
    messageId: claim.id,
    type: claim.messageType,
    attempt: claim.processingAttempts,
    correlationId: claim.correlationId,
  });
  const startedAt = Date.now();
  metrics.messageLag(tenantId, claim.messageType, Math.max(0, (startedAt - claim.scheduledTime.getTime()) / 1000));

  const loaded = deps.handlers.get(claim.messageType);
  const policy = resolvePolicy(loaded, deps.options);
  let fence: ClaimFence = claim;

  try {
    // A row that names another tenant is never handed to a handler: it could make one tenant's
    // handler act on another tenant's data. Dead-letter it and log it as a security event.
    if (claim.tenantId !== tenantId) {
      const mismatch = new TenantMismatchError(claim.tenantId, tenantId, store.tableName);
      log.warn({ securityEvent: 'tenant_mismatch', rowTenantId: claim.tenantId }, mismatch.message);
      return await recordFailure(mismatch);
    }

    // More claims than allowed attempts means earlier attempts never finished (the worker crashed,
    // was killed mid-handler, or lost the lease). Stop here instead of crash-looping forever.
    if (claim.processingAttempts > policy.maxAttempts) {
      const error = truncate(
        `dead-lettered: claimed ${claim.processingAttempts} times, more than maxAttempts ${policy.maxAttempts}; ` +
          `earlier attempts never finished (worker crashed, was killed or lost its lease)` +
          (claim.errorMessage ? `; last recorded error: ${deps.redact(claim.errorMessage)}` : ''),
      );
      return await recordDeadLetter(error);
    }

    if (!loaded) return await recordFailure(new NoHandlerError(claim.messageType));

    let payload: unknown;
    try {
      payload = JSON.parse(claim.payload);
    } catch (err) {
      return await recordFailure(new InvalidPayloadError(describeError(err)));
    }

    const message: Message = {
      id: claim.id,
      tenantId: claim.tenantId,
      type: claim.messageType,
      payload,
      attempt: claim.processingAttempts,
      correlationId: claim.correlationId,
      scheduledTime: claim.scheduledTime,
      createdAt: claim.createdAt,
    };

    const controller = new AbortController();
    const onShutdown = () => controller.abort(new ShutdownAbortError());
    if (deps.shutdownSignal.aborted) onShutdown();
    deps.shutdownSignal.addEventListener('abort', onShutdown, { once: true });
    const timeout = setTimeout(() => controller.abort(new HandlerTimeoutError(policy.timeoutMs)), policy.timeoutMs);
    const invoke = (db: unknown) => {
      const ctx: HandlerContext = { tenantId, db, log, signal: controller.signal };
      return abortable(() => loaded.handler.handle(message, ctx), controller.signal);
    };

    try {
      if (policy.transactional) {
        // The handler's writes and the Completed status commit together, or not at all.
        await store.withClaimTransaction(fence, async (tx) => {
          await invoke(tx.handle);
          if (!(await store.complete(fence, tx))) throw new LeaseLostError(claim.id);
        });
      } else {
        const heartbeat = new LeaseHeartbeat(
          store,
          fence,
          Math.floor(deps.options.leaseMs / 3),
          () => controller.abort(new LeaseLostError(claim.id)),
          (err) => log.warn({ err }, 'lease heartbeat failed; retrying at the next beat'),
        );
        try {
          await invoke(undefined);
        } finally {
          const current = await heartbeat.stop();
          if (!current) throw new LeaseLostError(claim.id);
          fence = current;
        }
        if (!(await store.complete(fence))) throw new LeaseLostError(claim.id);
      }
    } finally {
      clearTimeout(timeout);
      deps.shutdownSignal.removeEventListener('abort', onShutdown);
      metrics.messageDuration(tenantId, claim.messageType, (Date.now() - startedAt) / 1000);
    }
    metrics.messageProcessed(tenantId, claim.messageType, 'completed');
    log.info({ durationMs: Date.now() - startedAt }, 'message completed');
    return 'completed';
  } catch (err) {
    if (err instanceof LeaseLostError) {
      log.warn(err.message);
      return 'lease_lost';
    }
    if (err instanceof ShutdownAbortError) {
      return await recordRelease();
    }
    return await recordFailure(err);
  }

  async function recordFailure(err: unknown): Promise<ProcessOutcome> {
    const decision = decideFailure(err, claim.processingAttempts, policy, deps.redact);
    if (decision.kind === 'deadLetter') return recordDeadLetter(decision.error, err);
    try {
      if (!(await store.retry(fence, { delayMs: decision.delayMs, error: decision.error }))) return leaseLost();
    } catch (writeErr) {
      return unrecorded(writeErr, 'retry');
    }
    metrics.messageProcessed(tenantId, claim.messageType, 'retried');
    log.warn({ err: errForLog(err), retryInMs: decision.delayMs }, `attempt failed, retrying: ${decision.error}`);
    return 'retried';
  }

  async function recordDeadLetter(error: string, cause?: unknown): Promise<ProcessOutcome> {
    try {
      if (!(await store.deadLetter(fence, error))) return leaseLost();
    } catch (writeErr) {
      return unrecorded(writeErr, 'dead-letter');
    }
    metrics.messageProcessed(tenantId, claim.messageType, 'dead_lettered');
    log.error({ err: cause === undefined ? undefined : errForLog(cause) }, `message dead-lettered: ${error}`);
    return 'dead_lettered';
  }

  async function recordRelease(): Promise<ProcessOutcome> {
    try {
      const reason = 'released: the worker shut down before the handler finished; the attempt was not counted';
      if (!(await store.release(fence, reason))) return leaseLost();
    } catch (writeErr) {
      return unrecorded(writeErr, 'release');
    }
    log.warn('handler aborted at the shutdown deadline; message released for another worker');
    return 'released';
  }

  function leaseLost(): ProcessOutcome {
    log.warn(new LeaseLostError(claim.id).message);
    return 'lease_lost';
  }

  function unrecorded(writeErr: unknown, what: string): ProcessOutcome {
    log.error(
      { err: errForLog(writeErr) },
      `could not record the ${what} of this message (database error); it stays Processing until its lease expires, then it is retried`,
    );
    return 'unrecorded';
  }

  /** Non-Error values thrown by handlers are logged as text, Errors through the err serializer. */
  function errForLog(err: unknown): unknown {
    return err instanceof Error ? err : deps.redact(describeError(err));
  }
}
