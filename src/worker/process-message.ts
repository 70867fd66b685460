import type { Logger } from 'pino';
import {
  InvalidPayloadError,
  LeaseLostError,
  NoHandlerError,
  ShutdownAbortError,
  SnoozeInvalidError,
  SnoozeLimitError,
  TenantMismatchError,
  describeError,
} from '../errors';
import type { HandlerRegistry } from '../handlers/handler-registry';
import type { HandlerPolicies, HandlerPolicy } from '../handlers/resolve-policy';
import type { HandlerContext, Message } from '../handlers/types';
import { MAX_SNOOZE_MS, isSnooze, isValidSnoozeDelay, type Snooze } from '../handlers/snooze';
import type { TqwMetrics } from '../metrics/metrics';
import type { ClaimFence, ClaimedMessage, QueueStore } from '../store/types';
import { AttemptControl } from './attempt-control';
import { decideFailure, errorCodeOf, exhaustedByCrashes } from '../retry/retry-policy';
import { LeaseKeeper } from './heartbeat';
import type { WorkerOptions } from './options';
import { payloadTooLarge } from './payload-limit';
import type { RunningAttempts } from './running-attempts';
import type { OutcomeRetry } from './outcome-retry';
import { isConnectivityError } from '../store/connectivity-error';

/**
 * What became of one claimed message:
 * completed / retried / dead_lettered / snoozed: recorded in the table (these four are the metric
 * outcomes; snoozed: the handler returned snooze(ms), due again later with the attempt not counted);
 * released: given back on shutdown without counting the attempt;
 * lease_lost: another worker reclaimed it, this attempt changed nothing;
 * unrecorded: the outcome could not be written and the worker gave up writing it (shutting down
 * with the database unreachable): the lease will expire and another attempt will follow, so
 * nothing is lost.
 */
export type ProcessOutcome = 'completed' | 'retried' | 'dead_lettered' | 'snoozed' | 'released' | 'lease_lost' | 'unrecorded';

export interface ProcessDeps {
  tenantId: string;
  store: QueueStore;
  handlers: HandlerRegistry;
  /** Each message type's timeout, attempts and retry policy (resolved once per type). */
  policies: HandlerPolicies;
  options: WorkerOptions;
  /** Logger bound to the tenant. */
  logger: Logger;
  metrics: TqwMetrics;
  /** Removes secrets from text that goes to ErrorMessage or logs. */
  redact: (text: string) => string;
  /** Fires when the shutdown drain deadline passes: in-flight handlers are aborted and released. */
  shutdownSignal: AbortSignal;
  /**
   * Completion of a non-transactional message (default: store.complete). The worker passes its
   * batched completion (CompletionBatcher). Resolves false when the fence no longer matched.
   */
  complete?: (fence: ClaimFence) => Promise<boolean>;
  /** Called when a failed attempt was recorded as a retry, or a snooze, due in `delayMs`. */
  onRetryScheduled?: (delayMs: number) => void;
  /** The worker's running attempts: times them out, and aborts them when shutdownSignal fires. */
  attempts: RunningAttempts;
  /** Keeps the leases of running non-transactional messages (one timer for all). Default: one per message. */
  leases?: LeaseKeeper;
  /**
   * When an outcome write fails: whether (and when) to write it again (see outcome-retry.ts).
   * Without it a failed write is given up at once (the message waits for its lease).
   */
  outcomes?: OutcomeRetry;
}

/**
 * Handles one claimed message from start to recorded outcome. Never throws.
 * `deps` is the same object for every message of a tenant (the worker builds it once per tenant).
 * `onHandlerDone` is called once when the handler has finished: for a non-transactional message
 * when its completion is queued, for a transactional one when it succeeded and its COMMIT is about
 * to be sent. The handler slot is free from then on, while the outcome is still being written.
 * It is called with `true` when a write of the outcome failed and waits to be repeated: the
 * message then holds no claim room either (see Worker.startMessage).
 */
export function processMessage(
  claim: ClaimedMessage,
  deps: ProcessDeps,
  onHandlerDone?: (holding?: boolean) => void,
): Promise<ProcessOutcome> {
  return new MessageAttempt(claim, deps, onHandlerDone).run();
}

/**
 * ctx of a handler. A class (getters on the prototype) rather than an object literal with getters,
 * which would allocate its accessors for every message.
 */
class AttemptContext implements HandlerContext {
  constructor(
    readonly tenantId: string,
    readonly db: unknown,
    private readonly attempt: MessageAttempt,
    private readonly control: AttemptControl,
  ) {}

  get log(): Logger {
    return this.attempt.logger();
  }

  get signal(): AbortSignal {
    return this.control.signal;
  }
}

/**
 * One attempt at one claimed message. Methods instead of closures, and the child logger only
 * when a line about the message is written: at tens of thousands of messages per second the
 * per-message allocations are what the worker spends its time on.
 */
class MessageAttempt {
  private fence: ClaimFence;
  private child: Logger | undefined;
  private policy!: HandlerPolicy;
  private readonly startedAt = Date.now();
  /** The handler was called (a failure before that, e.g. no connection for its transaction, is released, not counted). */
  private invoked = false;

  constructor(
    private readonly claim: ClaimedMessage,
    private readonly deps: ProcessDeps,
    private readonly onHandlerDone: ((holding?: boolean) => void) | undefined,
  ) {
    this.fence = claim;
  }

  /** The message's fields on every line about it (tenant comes from the tenant logger). */
  logger(): Logger {
    return (this.child ??= this.deps.logger.child({
      messageId: this.claim.id,
      type: this.claim.messageType,
      attempt: this.claim.processingAttempts,
      correlationId: this.claim.correlationId,
    }));
  }

  async run(): Promise<ProcessOutcome> {
    const { claim, deps } = this;
    const { store, metrics, tenantId } = deps;
    metrics.messageLag(tenantId, claim.messageType, Math.max(0, (this.startedAt - claim.scheduledTime.getTime()) / 1000));

    const loaded = deps.handlers.get(claim.messageType);
    const policy = (this.policy = deps.policies.of(loaded));

    try {
      // A row that names another tenant is never handed to a handler: it could make one tenant's
      // handler act on another tenant's data. Dead-letter it and log it as a security event.
      if (claim.tenantId !== tenantId) {
        const mismatch = new TenantMismatchError(claim.tenantId, tenantId, store.tableName);
        this.logger().warn({ securityEvent: 'tenant_mismatch', rowTenantId: claim.tenantId }, mismatch.message);
        return await this.recordFailure(mismatch);
      }

      // More claims than allowed attempts: earlier attempts never finished. Stop instead of crash-looping.
      const exhausted = exhaustedByCrashes(
        claim.processingAttempts,
        policy.maxAttempts,
        claim.errorMessage && deps.redact(claim.errorMessage),
      );
      if (exhausted) return await this.recordDeadLetter(exhausted);

      if (!loaded) return await this.recordFailure(new NoHandlerError(claim.messageType));
      const only = loaded.handler.dialect;
      if (only !== undefined && only !== store.dialect) {
        return await this.recordFailure(new NoHandlerError(claim.messageType, { handlerDialect: only, tenantDialect: store.dialect }));
      }

      const tooLarge = payloadTooLarge(claim.payload, deps.options.maxPayloadBytes, claim.messageType);
      if (tooLarge) return await this.recordFailure(tooLarge);

      let payload: unknown;
      try {
        payload = JSON.parse(claim.payload);
      } catch (err) {
        return await this.recordFailure(new InvalidPayloadError(describeError(err)));
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

      // The handler's clock starts when it is called: for a transactional handler, after its
      // transaction is open and the row locked, so waiting for a pooled connection (or opening a new
      // one) never uses up its timeout and the handler is always called once its attempt is counted.
      // A shutdown deadline that passed meanwhile aborts it at once (RunningAttempts.add).
      let control: AttemptControl | undefined;
      const startClock = () => (control = new AttemptControl(policy.timeoutMs, deps.shutdownSignal, deps.attempts, tenantId, claim));
      const handler = loaded.handler;
      const invoke = (db: unknown, attempt: AttemptControl) => {
        this.invoked = true;
        return attempt.run(() => handler.handle(message, new AttemptContext(tenantId, db, this, attempt)));
      };

      let completion: Promise<boolean> | undefined;
      let snoozed: Snooze | undefined;
      try {
        if (policy.transactional) {
          // The handler's writes and the Completed status commit together, or not at all: Completed
          // is the transaction's first statement (lock + fence check). The handler slot is free once
          // the handler succeeded, while its COMMIT is on the way: the next message starts at once,
          // and the store can open its transaction in the same round trip as this COMMIT (see the
          // PostgreSQL store's transaction-chain.ts). A snooze rolls the transaction back (the
          // handler's writes and the Completed with it) before the snooze is written.
          try {
            await store.withCompletingTransaction(this.fence, async (tx) => {
              const result = await invoke(tx.handle, startClock());
              if (isSnooze(result)) throw new SnoozeRollback(result);
              this.onHandlerDone?.();
            });
          } catch (err) {
            if (!(err instanceof SnoozeRollback)) throw err;
            snoozed = err.snooze;
          }
        } else {
          const attempt = startClock();
          const leases = deps.leases ?? new LeaseKeeper(Math.floor(deps.options.leaseMs / 3));
          const kept = leases.keep(
            store,
            this.fence,
            () => attempt.abort(new LeaseLostError(claim.id)),
            (err) => this.logger().warn({ err }, 'lease heartbeat failed; retrying at the next beat'),
          );
          let result: unknown;
          try {
            result = await invoke(undefined, attempt);
          } finally {
            const current = kept.stopNow() ?? (await kept.stop());
            // eslint-disable-next-line no-unsafe-finally -- a lost lease overrides the attempt's own outcome: its result may no longer be written
            if (!current) throw new LeaseLostError(claim.id);
            this.fence = current;
          }
          if (isSnooze(result)) snoozed = result;
          else completion = deps.complete ? deps.complete(this.fence) : store.complete(this.fence);
        }
      } finally {
        control?.dispose();
        metrics.messageDuration(tenantId, claim.messageType, (Date.now() - this.startedAt) / 1000);
      }
      if (snoozed) return await this.recordSnooze(snoozed);
      if (completion) {
        // The handler succeeded; only the Completed write is left. If that write fails the message
        // is kept and the write repeated (never recorded as a failed attempt of the handler).
        this.onHandlerDone?.();
        const complete = deps.complete ?? ((fence: ClaimFence) => store.complete(fence));
        const matched = await this.write('completion', () => {
          const first = completion;
          completion = undefined;
          return first ?? complete(this.fence);
        });
        if (matched === undefined) return 'unrecorded';
        if (!matched) return this.leaseLost();
      }
      metrics.messageProcessed(tenantId, claim.messageType, 'completed');
      if (deps.logger.isLevelEnabled('info')) {
        deps.logger.info(
          {
            messageId: claim.id,
            type: claim.messageType,
            attempt: claim.processingAttempts,
            correlationId: claim.correlationId,
            durationMs: Date.now() - this.startedAt,
          },
          'message completed',
        );
      }
      return 'completed';
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.logger().warn(err.message);
        return 'lease_lost';
      }
      if (err instanceof ShutdownAbortError) {
        return await this.recordRelease();
      }
      if (!this.invoked && isConnectivityError(err)) {
        // The database went away before the handler could start (no connection for its
        // transaction): nothing ran, so the attempt is given back instead of counted.
        return await this.recordRelease(
          'released: the database could not be reached before the handler started; the attempt was not counted',
        );
      }
      return await this.recordFailure(err);
    }
  }

  private async recordFailure(err: unknown): Promise<ProcessOutcome> {
    const { claim, policy } = this;
    const decision = decideFailure(
      { error: err, attempt: claim.processingAttempts, maxAttempts: policy.maxAttempts, messageType: claim.messageType },
      policy.retry,
      this.deps.redact,
    );
    if (decision.kind === 'deadLetter') return this.recordDeadLetter(decision.error, err);
    const code = errorCodeOf(err);
    const matched = await this.write('retry', () =>
      this.deps.store.retry(this.fence, { delayMs: decision.delayMs, error: decision.error, code }),
    );
    if (matched === undefined) return 'unrecorded';
    if (!matched) return this.leaseLost();
    this.deps.metrics.messageProcessed(this.deps.tenantId, this.claim.messageType, 'retried');
    this.deps.onRetryScheduled?.(decision.delayMs);
    this.logger().warn({ err: this.errForLog(err), retryInMs: decision.delayMs }, `attempt failed, retrying: ${decision.error}`);
    return 'retried';
  }

  /**
   * The handler returned `snooze(ms)` (a transactional handler's transaction is already rolled
   * back): Pending again `ms` later, the attempt not counted. A delay snooze() would refuse (a
   * snooze made by hand or by another copy of the package) fails the attempt; one snooze more than
   * maxSnoozes dead-letters the message.
   */
  private async recordSnooze(requested: Snooze): Promise<ProcessOutcome> {
    const { claim, policy, deps } = this;
    const delayMs: unknown = requested.delayMs;
    if (!isValidSnoozeDelay(delayMs)) return this.recordFailure(new SnoozeInvalidError(delayMs, MAX_SNOOZE_MS));
    if (claim.snoozeCount >= policy.maxSnoozes) {
      const limit = new SnoozeLimitError(claim.id, claim.messageType, claim.snoozeCount, policy.maxSnoozes);
      return this.recordDeadLetter(limit.message, limit);
    }
    const matched = await this.write('snooze', () => deps.store.snooze(this.fence, { delayMs }));
    if (matched === undefined) return 'unrecorded';
    if (!matched) return this.leaseLost();
    deps.metrics.messageProcessed(deps.tenantId, claim.messageType, 'snoozed');
    deps.onRetryScheduled?.(delayMs);
    this.logger().info(
      { snoozeMs: delayMs, snoozeCount: claim.snoozeCount + 1 },
      `message snoozed: due again in ${delayMs} ms, the attempt not counted`,
    );
    return 'snoozed';
  }

  private async recordDeadLetter(error: string, cause?: unknown): Promise<ProcessOutcome> {
    const code = errorCodeOf(cause);
    const matched = await this.write('dead-letter', () => this.deps.store.deadLetter(this.fence, error, code));
    if (matched === undefined) return 'unrecorded';
    if (!matched) return this.leaseLost();
    this.deps.metrics.messageProcessed(this.deps.tenantId, this.claim.messageType, 'dead_lettered');
    this.logger().error({ err: cause === undefined ? undefined : this.errForLog(cause) }, `message dead-lettered: ${error}`);
    return 'dead_lettered';
  }

  private async recordRelease(
    reason = 'released: the worker shut down before the handler finished; the attempt was not counted',
  ): Promise<ProcessOutcome> {
    const matched = await this.write('release', () => this.deps.store.release(this.fence, reason));
    if (matched === undefined) return 'unrecorded';
    if (!matched) return this.leaseLost();
    this.logger().warn(`${reason}; message released for another worker`);
    return 'released';
  }

  /**
   * Writes an outcome (true: written, false: the fence no longer matched). When the write fails the
   * message is kept with its fence and the write repeated (deps.outcomes decides when: at once when
   * the database answers again), so a database restart does not leave it for its lease to expire.
   * undefined: the worker gave up (shutting down with the database still unreachable).
   */
  private async write(what: string, attempt: () => Promise<boolean>): Promise<boolean | undefined> {
    const retry = this.deps.outcomes;
    if (!retry) {
      try {
        return await attempt();
      } catch (err) {
        this.unrecorded(err, what);
        return undefined;
      }
    }
    return retry.write(attempt, {
      failed: (err) => {
        // Waiting to write its outcome again, the message takes no handler slot nor claim room.
        this.onHandlerDone?.(true);
        this.logger().warn(
          { err: this.errForLog(err) },
          `could not record the ${what} of this message (database error); the worker keeps it and writes it again when the database answers`,
        );
      },
      recovered: (tries) => this.logger().info({ tries }, `recorded the ${what} of this message after ${tries} failed write(s)`),
      gaveUp: (err) => this.unrecorded(err, what),
    });
  }

  private leaseLost(): ProcessOutcome {
    this.logger().warn(new LeaseLostError(this.claim.id).message);
    return 'lease_lost';
  }

  private unrecorded(writeErr: unknown, what: string): void {
    this.logger().error(
      { err: this.errForLog(writeErr) },
      `could not record the ${what} of this message (database error) and gave up; it stays Processing until its lease expires, then it is retried`,
    );
  }

  /** Non-Error values thrown by handlers are logged as text, Errors through the err serializer. */
  private errForLog(err: unknown): unknown {
    return err instanceof Error ? err : this.deps.redact(describeError(err));
  }
}

/**
 * Thrown inside a transactional handler's completing transaction when the handler returned a
 * snooze, so the store rolls the transaction back; caught right outside it. Never escapes this file.
 */
class SnoozeRollback extends Error {
  constructor(readonly snooze: Snooze) {
    super('snooze: the transaction is rolled back before the snooze is written');
  }
}
