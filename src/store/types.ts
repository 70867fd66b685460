/**
 * The dialect-neutral contract between the worker and a tenant's queue table.
 *
 * One `QueueStore` instance serves one tenant: one table (`[schema.]QueueMessages`) reached
 * through a connection pool that may be shared with other tenants of the same database.
 * Every time value that matters for correctness (claim time, lease expiry, backoff) is computed
 * by the database server's clock, never by the worker's, so workers on hosts with skewed clocks
 * still agree on who owns a message.
 */

/** The MessageType column's width (NVARCHAR(255) / varchar(255)): every check of a message type uses it. */
export const MAX_MESSAGE_TYPE_LENGTH = 255;

/** The Status column's values, exactly as the article's table stores them. */
export type MessageStatus = 'Pending' | 'Processing' | 'Completed' | 'Failed' | 'DeadLetter';

export const MESSAGE_STATUSES: readonly MessageStatus[] = ['Pending', 'Processing', 'Completed', 'Failed', 'DeadLetter'];

export type Dialect = 'postgres' | 'sqlserver';

/** One row of QueueMessages, with column names mapped to camelCase. */
export interface QueueMessageRow {
  id: string;
  tenantId: string;
  messageType: string;
  /** The raw Payload column: JSON text written by the producer (not yet parsed). */
  payload: string;
  scheduledTime: Date;
  dequeueTime: Date | null;
  processingAttempts: number;
  lastAttemptTime: Date | null;
  status: MessageStatus;
  errorMessage: string | null;
  correlationId: string | null;
  createdAt: Date;
  /** The Priority column, NULL read as 0: higher is claimed first. */
  priority: number;
  /** The SnoozeCount column: times a handler snoozed the message since it was enqueued or requeued (0 where absent). */
  snoozeCount: number;
}

/**
 * A row this worker claimed. `dequeueTime` + `processingAttempts` are the fencing token:
 * every later write about the message (complete, retry, dead-letter, release, heartbeat)
 * matches them in its WHERE clause, so a worker whose lease expired and whose message was
 * reclaimed by someone else changes nothing (0 rows affected -> `false`).
 * `dequeueTime` is stored at millisecond precision so it survives the round trip through a JS Date.
 */
export interface ClaimedMessage extends QueueMessageRow {
  status: 'Processing';
  dequeueTime: Date;
  /**
   * True when this claim took the row over from an expired lease: its previous claim never
   * recorded an outcome (that worker crashed, was killed, or lost the lease). Such a message may be
   * what killed the previous worker, so the worker runs it alone (see quarantine.ts).
   */
  reclaimed: boolean;
}

/** The fencing token of a claim (a subset of ClaimedMessage, so a claim can be passed as is). */
export interface ClaimFence {
  id: string;
  dequeueTime: Date;
  processingAttempts: number;
}

export interface ClaimOptions {
  /** Maximum number of rows to claim in this statement (>= 1). */
  limit: number;
  /** Lease length: a Processing row whose DequeueTime is older than this is due again. */
  leaseMs: number;
  /**
   * Only messages of these types (the types the worker's handlers serve); other rows are left
   * alone: Pending for a worker that serves them. Undefined: every type (admin tools, tests). An
   * empty list claims nothing.
   */
  types?: readonly string[];
}

/** One rate limit and/or concurrency cap (the tenants file's `limits`, or one of its `types`). */
export interface RateAndConcurrency {
  /** Most messages started per second, by every replica together (a token bucket of one second's burst). */
  ratePerSecond?: number;
  /** Most messages Processing (unexpired lease) at once, by every replica together. */
  concurrency?: number;
}

/**
 * A tenant's flow limits (the tenants file's `"limits"`): for the whole tenant, and per message type.
 * Enforced through the tenant's database (QueueLimits, a lock per tenant), so they hold across all
 * replicas; messages over a limit wait Pending with no attempt counted.
 */
export interface TenantLimits extends RateAndConcurrency {
  types?: Readonly<Record<string, RateAndConcurrency>>;
}

export interface RetryOptions {
  /** Delay from the database's now() to the new ScheduledTime. */
  delayMs: number;
  /** Stored in ErrorMessage (already truncated and free of secrets) and in the error history. */
  error: string;
  /** The error's code for the error history (e.g. TQW_HANDLER_TIMEOUT, ECONNREFUSED); default null. */
  code?: string | null;
}

export interface SnoozeOptions {
  /** Delay from the database's now() to the new ScheduledTime (0..MAX_SNOOZE_MS, whole milliseconds). */
  delayMs: number;
}

/** One failed attempt in a message's error history (QueueMessageErrors). */
export interface AttemptError {
  /** ProcessingAttempts of the attempt that failed. */
  attempt: number;
  /** Database time of the failure. */
  failedAt: Date;
  error: string;
  code: string | null;
}

/** A new message for `enqueue`. */
export interface NewMessage {
  /** Defaults to a random UUID. */
  id?: string;
  tenantId: string;
  messageType: string;
  /** Serialised with JSON.stringify unless it is already a string (then stored as is). */
  payload: unknown;
  /** Delay from the database's now(); default 0 (due immediately). */
  delayMs?: number;
  correlationId?: string | null;
  /** The Priority column: higher is claimed first; default null (counts as 0). An integer. */
  priority?: number | null;
  /**
   * The DedupeKey column (at most 255 characters): while a message with this key is not yet
   * Completed or DeadLetter, enqueue inserts nothing and returns that message's id. Default null.
   */
  dedupeKey?: string | null;
}

/** What enqueueMessage did: inserted `id`, or found the message already holding the dedupe key. */
export interface EnqueueOutcome {
  id: string;
  /** True when a message with the same dedupe key existed and nothing was inserted. */
  deduplicated: boolean;
}

/** A message with the id its caller chose, which is its key (enqueueIfAbsent, occurrences of schedules): no dedupeKey. */
export type MessageWithId = Omit<NewMessage, 'id' | 'dedupeKey'> & { id: string };

/** One occurrence of a recurring schedule for this store's tenant (enqueueOccurrence). */
export interface ScheduleOccurrence {
  /** The schedule's name: the key of its row in QueueSchedules (at most 200 characters). */
  schedule: string;
  /** The occurrence (whole seconds, as cron gives them). */
  occurrence: Date;
  /** false: record the occurrence as handled without inserting (catch-up "none"). */
  enqueue: boolean;
  /** The message, with its deterministic id (src/schedules/occurrence-id.ts). */
  message: MessageWithId;
}

/**
 * What enqueueOccurrence did: 'enqueued' (this call moved the schedule's last occurrence forward
 * and inserted the message), 'skipped' (moved it forward, nothing inserted: enqueue false),
 * 'already-enqueued' (moved it forward, but a message with the id existed), 'already-handled'
 * (the schedule's last occurrence was at or past this one: another replica had it), 'first-seen'
 * (no row for the schedule yet: one was written with this occurrence and nothing was inserted, so
 * a new schedule does not backfill).
 */
export type OccurrenceOutcome = 'enqueued' | 'skipped' | 'already-enqueued' | 'already-handled' | 'first-seen';

export type StatusCounts = Record<MessageStatus, number>;

/**
 * A tenant's pause switches (tqw pause / tqw resume, the QueuePauses table): while `all`, or while a
 * message's type is in `types`, the claim and the readiness probe leave its messages Pending.
 */
export interface PauseState {
  /** The whole tenant is paused. */
  all: boolean;
  /** Paused message types, sorted. */
  types: string[];
}

export interface QueueStats {
  counts: StatusCounts;
  /** Age in seconds of the oldest message that is due now (Pending/Failed with ScheduledTime <= now), or null. */
  oldestDueAgeSeconds: number | null;
  /** Pending and Failed messages (waiting to run) by MessageType; types with none are left out. */
  waitingByType: Record<string, number>;
}

/**
 * A database transaction opened by the store. `handle` is what handlers receive as `ctx.db`:
 * a `pg.PoolClient` inside BEGIN on PostgreSQL, an `mssql.Transaction` on SQL Server.
 */
export interface StoreTransaction {
  readonly dialect: Dialect;
  readonly handle: unknown;
}

/** The statuses an operator may requeue or delete a message from (never Processing: a worker holds it). */
export type OperatorStatus = 'DeadLetter' | 'Failed' | 'Pending';
export const OPERATOR_STATUSES: readonly OperatorStatus[] = ['DeadLetter', 'Failed', 'Pending'];

/** Characters of Payload and ErrorMessage a listMessages row carries (previews; getMessage has all). */
export const MESSAGE_PREVIEW_CHARS = 300;

/** One page of listMessages: newest Id first, every filter optional. */
export interface MessageListQuery {
  status?: MessageStatus;
  messageType?: string;
  /** Matches Id or CorrelationId (when it is a uuid) or DedupeKey (exactly). */
  search?: string;
  /** Keyset cursor: only ids below this one (the last id of the previous page). */
  afterId?: string;
  /** Page size (1..MAX_LIST_LIMIT). */
  limit: number;
}

/** Largest listMessages page. */
export const MAX_LIST_LIMIT = 1_000;

/** Which dead letters a bulk operator action selects; every field optional (absent: any). */
export interface DeadLetterFilter {
  messageType?: string;
  /** Text the ErrorMessage contains (case-insensitive on PostgreSQL; the column's collation on SQL Server). */
  errorContains?: string;
  ids?: readonly string[];
}

export interface QueueStore {
  readonly dialect: Dialect;
  /** The tenant this store serves (the expected TenantId of every row). */
  readonly tenantId: string;
  /** `"schema"."QueueMessages"` or `[schema].[QueueMessages]`, for messages and logs. */
  readonly tableName: string;

  /**
   * Creates the table and its indexes if missing (idempotent, safe to run concurrently). Resolves
   * with the ids of the migrations it applied (empty: already up to date), or with nothing where
   * the store does not report them.
   */
  migrate(): Promise<readonly string[] | void>;

  /**
   * Atomically claims up to `limit` due rows (Pending/Failed with ScheduledTime <= now, or Processing
   * with an expired lease), highest priority first (NULL = 0), then oldest ScheduledTime, skipping rows locked by other claimers.
   * Sets Status=Processing, DequeueTime=LastAttemptTime=now, ProcessingAttempts+=1, and commits.
   */
  claim(options: ClaimOptions): Promise<ClaimedMessage[]>;

  /**
   * claim() within the tenant's `limits` (rate per second, concurrency; per tenant and per type),
   * counted across every replica: in one transaction that holds the tenant's limit lock, reads the
   * token buckets (QueueLimits) and the Processing rows with unexpired leases, claims what the budget
   * allows (one claim per limited type, then one for the other `types`), and stores the buckets.
   * `types` is required (the served types). Costs several statements: only tenants with limits use it.
   */
  claimLimited(options: ClaimOptions & { types: readonly string[] }, limits: TenantLimits): Promise<ClaimedMessage[]>;

  /**
   * Runs `fn` inside a transaction, committing when it resolves and rolling back when it throws.
   * Before `fn` runs, the claimed row is locked (FOR UPDATE / UPDLOCK) with the fence checked, so no
   * other worker can reclaim it while the transaction lives; if the fence no longer matches,
   * `fn` is not called and `LeaseLostError` is thrown.
   */
  withClaimTransaction<T>(fence: ClaimFence, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;

  /**
   * Marks the claim Completed (inside `tx` when given), or deletes its row when the store was made
   * with StoreOptions.deleteOnCompletion. Returns false if the fence no longer matches.
   */
  complete(fence: ClaimFence, tx?: StoreTransaction): Promise<boolean>;

  /**
   * Marks several claims Completed (or deletes them, StoreOptions.deleteOnCompletion) in one
   * statement; returns the ids that matched their fence.
   */
  completeMany(fences: readonly ClaimFence[]): Promise<string[]>;

  /**
   * Status=Failed, ScheduledTime=now+delay, ErrorMessage=error, and the error appended to the
   * message's error history, in one statement. False (and no history row) if the fence no longer matches.
   */
  retry(fence: ClaimFence, options: RetryOptions): Promise<boolean>;

  /** Status=DeadLetter, ErrorMessage=error, appended to the error history as retry(). False if the fence no longer matches. */
  deadLetter(fence: ClaimFence, error: string, code?: string | null): Promise<boolean>;

  /**
   * The error history of each of `ids`, keyed by the lower-cased id (every failed attempt, oldest
   * first; an id without one maps to []). Deleting a message (retention, deleteOnCompletion) deletes its history.
   */
  errorHistory(ids: readonly string[]): Promise<Map<string, AttemptError[]>>;

  /**
   * Gives a claim back without counting the attempt (graceful shutdown): Status=Pending,
   * ScheduledTime=now, ProcessingAttempts-=1, ErrorMessage=reason. False if the fence no longer matches.
   */
  release(fence: ClaimFence, reason: string): Promise<boolean>;

  /**
   * A handler's snooze (it returned `snooze(ms)`): Status=Pending, ScheduledTime=now+delay by the
   * database clock, ProcessingAttempts-=1 (the attempt is not counted), SnoozeCount+=1, ErrorMessage
   * kept. False if the fence no longer matches.
   */
  snooze(fence: ClaimFence, options: SnoozeOptions): Promise<boolean>;

  /**
   * Extends the lease of a running claim (heartbeat of non-transactional handlers) by moving
   * DequeueTime to now. Returns the new fence, or null if the fence no longer matches.
   */
  extendLease(fence: ClaimFence): Promise<ClaimFence | null>;

  /**
   * Inserts a message (inside `tx` when given: the outbox pattern). Returns its id, or with a
   * dedupeKey held by a message not yet Completed or DeadLetter, that message's id (nothing inserted).
   */
  enqueue(message: NewMessage, tx?: StoreTransaction): Promise<string>;

  /** enqueue, telling whether the dedupe key found an existing message. Race-free under concurrent producers. */
  enqueueMessage(message: NewMessage, tx?: StoreTransaction): Promise<EnqueueOutcome>;

  /**
   * Inserts the message unless a row with its id exists (in `tx` when given). True when inserted,
   * false when the id was there, also when a concurrent insert of the same id won the race.
   */
  enqueueIfAbsent(message: MessageWithId, tx?: StoreTransaction): Promise<boolean>;

  /**
   * One occurrence of a schedule, atomically (one statement on PostgreSQL, one transaction on SQL
   * Server): the schedule's row in QueueSchedules (beside the queue table) moves its LastOccurrence
   * forward to `occurrence` only if it was earlier, and only then is the message inserted if absent.
   * However many replicas call it for the same occurrence, one gets 'enqueued' (or 'skipped'), the
   * others 'already-handled'.
   */
  enqueueOccurrence(occurrence: ScheduleOccurrence): Promise<OccurrenceOutcome>;

  /**
   * Pauses the whole tenant (`messageType` undefined) or one message type, for every worker that
   * claims from this table, from its next claim on: such messages stay Pending; running ones finish.
   * Resolves true when the switch was off. Idempotent.
   */
  pause(messageType?: string): Promise<boolean>;

  /** Turns a switch of pause() off again; true when it was on. Idempotent. */
  resume(messageType?: string): Promise<boolean>;

  /** The tenant's pause switches. */
  pauseState(): Promise<PauseState>;

  /** Reads one row by id (tests, admin CLI). */
  getMessage(id: string): Promise<QueueMessageRow | null>;

  /** Counts by status (all five) and age of the oldest due message (admin CLI; may scan). */
  stats(): Promise<QueueStats>;

  /**
   * Counts of the non-terminal statuses only (Pending, Processing, Failed, DeadLetter), answered from
   * indexes so it stays cheap with millions of Completed rows (the queue_depth gauge).
   */
  depth(): Promise<Omit<StatusCounts, 'Completed'>>;

  /**
   * Pending and Failed messages (waiting to run) by MessageType, for the pending-by-type gauge
   * (one grouped read of the due-work index's rows; the depth refresh asks it only of tenants
   * with waiting messages).
   */
  waitingByType(): Promise<Record<string, number>>;

  /** DeadLetter rows, newest LastAttemptTime first. */
  listDeadLetters(limit: number): Promise<QueueMessageRow[]>;

  /** DeadLetter -> Pending, ProcessingAttempts=0, SnoozeCount=0, ScheduledTime=now. `ids` undefined means all. Returns the count. */
  requeueDeadLetters(ids?: readonly string[]): Promise<number>;

  /**
   * A page of messages, newest Id first, filtered (operator console). Keyset pagination: pass the last
   * id of a page as `afterId` for the next. Payload and ErrorMessage are previews of
   * MESSAGE_PREVIEW_CHARS characters.
   */
  listMessages(query: MessageListQuery): Promise<QueueMessageRow[]>;

  /**
   * Operator's requeue of one message: Pending, due now, attempts and snoozes reset, ErrorMessage cleared, only
   * while its Status is one of `statuses`. A Processing message (held by a worker) is never touched.
   * False when nothing matched (no such id, or another status).
   */
  requeueMessage(id: string, statuses: readonly OperatorStatus[]): Promise<boolean>;

  /** Deletes one message while its Status is one of `statuses` (never a Processing one). False when nothing matched. */
  deleteMessage(id: string, statuses: readonly OperatorStatus[]): Promise<boolean>;

  /**
   * Requeues (as requeueDeadLetters) up to `batchSize` dead letters that match `filter`, in one
   * statement; returns the count (callers repeat until it is below batchSize).
   */
  requeueDeadLettersMatching(filter: DeadLetterFilter, batchSize: number): Promise<number>;

  /** Deletes up to `batchSize` dead letters that match `filter`, in one statement; returns the count. */
  deleteDeadLettersMatching(filter: DeadLetterFilter, batchSize: number): Promise<number>;

  /** Deletes up to `batchSize` rows of `status` whose LastAttemptTime (or CreatedAt) is older than `olderThanMs`. Returns the count. */
  purge(status: 'Completed' | 'DeadLetter', olderThanMs: number, batchSize: number): Promise<number>;

  /** Cheap connectivity + table check: resolves when the table answers, rejects with the cause otherwise. */
  ping(): Promise<void>;

  /** Indexes `tqw migrate` creates that are missing on the table (empty when all are present). */
  missingIndexes(): Promise<string[]>;

  /** Lets go of the store's pool lease (the pool closes when no tenant uses it). Idempotent. */
  close(): Promise<void>;

  /**
   * Like withClaimTransaction + complete(fence, tx), in fewer round trips (the worker's path for
   * transactional handlers). The transaction's FIRST statement is the fenced UPDATE that marks the claim
   * Completed: it takes the row lock and checks the fence at once (0 rows: rollback,
   * LeaseLostError, `fn` not called). Then `fn`, then COMMIT: the handler's writes and Completed
   * commit together or not at all. When `fn` throws, the rollback undoes the Completed too, so
   * the row is Processing with its fence again and the caller records the failure as usual.
   * Inside `fn` the message's own row already reads as Completed. With
   * StoreOptions.deleteOnCompletion the opening statement is the fenced DELETE instead (same lock,
   * same fence check): inside `fn` the row is already gone, and a rollback brings it back.
   */
  withCompletingTransaction<T>(fence: ClaimFence, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;

  /**
   * Statements that cover many tenants' tables at once (readiness probe, depth, retention check),
   * so idle tenants cost one statement per database or server, not one each.
   */
  readonly group: StoreGroup;

  /**
   * Optional: wake-ups when work arrives (PostgreSQL LISTEN/NOTIFY). Returns undefined when this
   * store cannot notify (dialect without NOTIFY, listeners capped, notify turned off).
   */
  subscribe?(subscriber: WorkSubscriber): WorkSubscription | undefined;
}

/**
 * The tables of stores whose `group.key` is equal can be named together in one statement, run
 * through any of those stores' `group`: PostgreSQL, the schemas of one database; SQL Server,
 * every database of one server reached with the same login (three-part names).
 */
export interface StoreGroup {
  /** Stores with the same key can be grouped. */
  readonly key: string;
  /** This store's table as group statements name it (SQL Server: [database].[schema].[QueueMessages]). */
  readonly table: string;
  /**
   * Most tables one group statement names; callers chunk by it (the methods also chunk longer
   * lists themselves). Each chunk of tables always gives the same statement text, so it can be a
   * prepared statement whose plan is reused.
   */
  readonly maxTablesPerStatement: number;
  /**
   * Readiness probe: for each of `tables` (in order), milliseconds until its earliest work is due
   * by the database clock (<= 0: due now; Pending/Failed by ScheduledTime, Processing by lease
   * expiry), or null when it holds no such row. Rows locked by running claim transactions are
   * counted as work (their lease end), so callers must not spin on them. Paused work (pause())
   * is not work.
   */
  nextDue(tables: readonly string[], options: NextDueOptions): Promise<Array<number | null>>;
  /** depth() of each of `tables`, in order. */
  depth(tables: readonly string[]): Promise<Array<Omit<StatusCounts, 'Completed'>>>;
  /** pauseState() of each of `tables`, in order. */
  pauseStates(tables: readonly string[]): Promise<PauseState[]>;
  /** Whether each of `tables` holds rows that purge(status, olderThanMs, ...) would delete. */
  hasPurgeable(tables: readonly string[], status: 'Completed' | 'DeadLetter', olderThanMs: number): Promise<boolean[]>;
}

export interface NextDueOptions {
  leaseMs: number;
  /** Only work of these message types counts (ClaimOptions.types); undefined: every type. */
  types?: readonly string[];
}

/** Callbacks of a work subscription. */
export interface WorkSubscriber {
  /** Work may have arrived in this store's table (a notification). */
  onWork(): void;
  /**
   * Whether notifications are being received now (false while the listener reconnects). After
   * true, look for work once: notifications sent while nobody listened are lost.
   */
  onListening(listening: boolean): void;
}

export interface WorkSubscription {
  /** Stops the callbacks; the last subscription of a database closes its listener. Idempotent. */
  close(): void;
}

/** Connection pool settings shared by both dialects (config keys db.*). */
export interface PoolOptions {
  /** Most connections per pool (per database). Default 10. */
  max: number;
  /** An idle connection is closed after this long, so quiet tenants hold none. Default 10000. */
  idleTimeoutMs: number;
  /** Time to wait for a new connection. Default 5000. */
  connectTimeoutMs: number;
}

export const DEFAULT_POOL_OPTIONS: Readonly<PoolOptions> = Object.freeze({
  max: 10,
  idleTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
});

/** What a store writes, beyond where it connects (config keys outside db.*). */
export interface StoreOptions {
  /**
   * Delete a message's row when it completes instead of marking it Completed (config key
   * retention.deleteOnCompletion). The completing statements (complete, completeMany,
   * withCompletingTransaction) become fenced DELETEs with the same fence, locks and return
   * values; no Completed history is kept. Rows written before it was turned on stay Completed
   * until retention deletes them. Failed and DeadLetter rows are never deleted by it. Default false.
   */
  deleteOnCompletion: boolean;
  /**
   * PostgreSQL: the worker's bookkeeping statements outside a handler's transaction (claims,
   * non-transactional completions, lease extensions) commit without waiting for the log flush
   * (synchronous_commit off for those statements only; config key db.asyncCommit; see
   * postgres/sql/async-commit.ts for what it trades). Transactional handlers' transactions always
   * commit synchronously. SQL Server stores ignore it (delayed durability is a database setting
   * there). Default false.
   */
  asyncCommit: boolean;
  /**
   * PostgreSQL: claims commit without waiting for the log flush even when asyncCommit is off
   * (config key db.asyncClaims). Nothing a claim writes needs its own flush: any later synchronous
   * commit on the server (the message's completion, a transactional handler's COMMIT, a retry)
   * flushes the log up to and past it. A crash of the worker loses nothing (the server commits the
   * claim either way); only a crash of the database server within moments of a claim can undo it:
   * the message is then Pending again with its attempt not counted, as if that claim never
   * happened, and a transactional handler's work in that window is rolled back with it. Saves one
   * log flush per claim (figures: docs/performance.md, "`db.asyncClaims`"). SQL Server stores ignore
   * it. Default true.
   */
  asyncClaims: boolean;
}

export const DEFAULT_STORE_OPTIONS: Readonly<StoreOptions> = Object.freeze({
  deleteOnCompletion: false,
  asyncCommit: false,
  asyncClaims: true,
});
