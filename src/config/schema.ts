/**
 * The configuration schema: every key tqw reads, with its doc, format, default and TQW_* env var.
 * This object is the single source of truth: `loadConfig` hands it to convict, `tqw config --docs`
 * renders it, and the defaults come from DEFAULT_WORKER_OPTIONS / DEFAULT_POOL_OPTIONS /
 * DEFAULT_STORE_OPTIONS so the engine's programmatic defaults and the daemon's configured defaults
 * cannot drift apart.
 *
 * The keys are always two levels deep (`section.key`); the public contract keys (named in the README) are
 * tenants.file, handlers.dir, http.port, worker.concurrency, worker.leaseMs, worker.maxAttempts,
 * worker.backoffBaseMs, worker.backoffMaxMs and log.level, with the env vars named there.
 */
import { DEFAULT_NOTIFY_OPTIONS } from '../store/postgres/notify-listener';
import { DEFAULT_POOL_OPTIONS, DEFAULT_STORE_OPTIONS } from '../store/types';
import { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from '../worker/options';
import type { ScheduleConfig } from '../schedules/types';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated configuration, typed (what `loadConfig` returns). */
export interface TqwConfig {
  tenants: {
    /** Absolute path of the tenants file (resolved by loadConfig). */
    file: string;
    watch: boolean;
  };
  handlers: {
    /** Absolute path of the handler directory (resolved by loadConfig). */
    dir: string;
  };
  http: { host: string; port: number };
  /** Exactly the engine's WorkerOptions, one key each. */
  worker: { [K in keyof WorkerOptions]: WorkerOptions[K] };
  db: {
    poolMax: number;
    idleTimeoutMs: number;
    connectTimeoutMs: number;
    notifyListenersMax: number;
    asyncCommit: boolean;
    asyncClaims: boolean;
  };
  metrics: { tenantLabel: boolean; depthIntervalMs: number };
  retention: { completedMaxAgeMs: number; deadLetterMaxAgeMs: number; intervalMs: number; batchSize: number; deleteOnCompletion: boolean };
  log: { level: LogLevel };
  console: { enabled: boolean; host: string; port: number; token: string; readOnly: boolean };
  /**
   * Recurring jobs (the config file's top-level "schedules" array, default []): not a section of
   * keys and so not in CONFIG_SCHEMA (no env var); validated by src/schedules/parse-schedules.ts.
   */
  schedules: ScheduleConfig[];
}

/** The config file's top-level key of recurring jobs (see TqwConfig.schedules). */
export const SCHEDULES_KEY = 'schedules';

/** The sections of keys (every top-level entry but `schedules`). */
export type SectionName = Exclude<keyof TqwConfig, typeof SCHEDULES_KEY>;

/** How a key's raw value is typed: drives the strict checks of env strings and file values. */
export type KeyKind = 'integer' | 'boolean' | 'string' | 'enum';

/** One key of the schema: convict's fields plus what the docs and the strict checks need. */
export interface KeySpec<T> {
  doc: string;
  /** convict format: a validator that throws `Error('must be ...')`, or the allowed values. */
  format: ((value: unknown) => void) | readonly string[];
  default: T;
  env: string;
  kind: KeyKind;
  /** Human description of the accepted values, for the docs ("integer >= 1"). */
  formatDoc: string;
  /** A filesystem path: relative values are resolved (see load-config.ts). */
  path?: true;
  /** A secret: `tqw config` and every other output show it as "***" when set. */
  secret?: true;
}

export type TqwSchema = {
  [S in SectionName]: { [K in keyof TqwConfig[S]]-?: KeySpec<TqwConfig[S][K]> };
};

/** setTimeout silently turns delays above 2^31-1 ms (24.8 days) into 1 ms: timer keys stay below. */
export const MAX_TIMER_MS = 2_147_483_647;

const DAY_MS = 24 * 60 * 60 * 1000;

function integer(min: number, max: number = MAX_TIMER_MS): { format: (value: unknown) => void; formatDoc: string; kind: 'integer' } {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
  return {
    kind: 'integer',
    formatDoc: `integer ${range}`,
    format: (value: unknown) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error('must be an integer');
      if (value < min || value > max) throw new Error(`must be an integer ${range}`);
    },
  };
}

const boolean = {
  kind: 'boolean' as const,
  formatDoc: 'true or false',
  format: (value: unknown) => {
    if (typeof value !== 'boolean') throw new Error('must be true or false');
  },
};

const nonEmptyString = {
  kind: 'string' as const,
  formatDoc: 'non-empty string',
  format: (value: unknown) => {
    if (typeof value !== 'string' || value.trim() === '') throw new Error('must be a non-empty string');
  },
};

/** Any string, empty included (an empty secret means "not set"). */
const anyString = {
  kind: 'string' as const,
  formatDoc: 'string',
  format: (value: unknown) => {
    if (typeof value !== 'string') throw new Error('must be a string');
  },
};

const pathString = { ...nonEmptyString, formatDoc: 'path', path: true as const };

const w = DEFAULT_WORKER_OPTIONS;

export const CONFIG_SCHEMA: TqwSchema = {
  tenants: {
    file: {
      doc: 'JSON file listing the tenants: [{ "id", "connectionString", "schema"? }] or { "tenants": [...] }. ${VAR} in a connection string is replaced from the environment.',
      default: './config/tenants.json',
      env: 'TQW_TENANTS_FILE',
      ...pathString,
    },
    watch: {
      doc: 'Re-read the tenants file when it changes (also on SIGHUP, always). An invalid new file keeps the old tenant map.',
      default: true,
      env: 'TQW_TENANTS_WATCH',
      ...boolean,
    },
  },
  handlers: {
    dir: {
      doc: 'Directory of handler modules (.js/.mjs/.cjs); each default-exports { type | types, handle(message, ctx), ... }.',
      default: './handlers',
      env: 'TQW_HANDLERS_DIR',
      ...pathString,
    },
  },
  http: {
    host: {
      doc: 'Address the HTTP server (/livez /readyz /healthz /metrics) binds to.',
      default: '0.0.0.0',
      env: 'TQW_HTTP_HOST',
      ...nonEmptyString,
    },
    port: {
      doc: 'Port of the HTTP server; 0 picks a free port (tests).',
      default: 9464,
      env: 'TQW_HTTP_PORT',
      ...integer(0, 65535),
    },
  },
  worker: {
    concurrency: {
      doc: 'Handlers running at once across all tenants.',
      default: w.concurrency,
      env: 'TQW_CONCURRENCY',
      ...integer(1, 10_000),
    },
    tenantConcurrency: {
      doc: 'Handlers running at once for one tenant, so one busy tenant cannot starve the others; 0 = no limit beyond worker.concurrency.',
      default: w.tenantConcurrency,
      env: 'TQW_TENANT_CONCURRENCY',
      ...integer(0, 10_000),
    },
    batchSize: {
      doc: 'Most messages one claim statement takes (also sized by the free room, see worker.prefetch). At most 4000: SQL Server escalates to a table lock at 5000 row locks.',
      default: w.batchSize,
      env: 'TQW_BATCH_SIZE',
      ...integer(1, 4_000),
    },
    leaseMs: {
      doc: 'Lease of a claimed message: a Processing message whose lease expired (worker crashed) is claimed again.',
      default: w.leaseMs,
      env: 'TQW_LEASE_MS',
      ...integer(1),
    },
    handlerTimeoutMs: {
      doc: "Per-attempt time limit of a handler (its AbortSignal fires; the attempt fails). A handler's timeoutMs overrides it.",
      default: w.handlerTimeoutMs,
      env: 'TQW_HANDLER_TIMEOUT_MS',
      ...integer(1),
    },
    maxAttempts: {
      doc: "Attempts before a failing message is dead-lettered. A handler's maxAttempts overrides it.",
      default: w.maxAttempts,
      env: 'TQW_MAX_ATTEMPTS',
      ...integer(1, 1_000),
    },
    maxSnoozes: {
      doc: "Snoozes (a handler returning snooze(ms): run again later, the attempt not counted) allowed per message before it is dead-lettered with TQW_SNOOZE_LIMIT; 0 = none. A handler's maxSnoozes overrides it; a requeue starts the count again.",
      default: w.maxSnoozes,
      env: 'TQW_MAX_SNOOZES',
      ...integer(0, 1_000_000),
    },
    backoffBaseMs: {
      doc: 'First retry delay; doubles per attempt, with jitter. Must be <= worker.backoffMaxMs.',
      default: w.backoffBaseMs,
      env: 'TQW_BACKOFF_BASE_MS',
      ...integer(0),
    },
    backoffMaxMs: {
      doc: 'Cap of the retry delay.',
      default: w.backoffMaxMs,
      env: 'TQW_BACKOFF_MAX_MS',
      ...integer(0),
    },
    pollMinMs: {
      doc: 'Poll interval of a tenant after an empty claim starts here... Must be <= worker.pollMaxMs.',
      default: w.pollMinMs,
      env: 'TQW_POLL_MIN_MS',
      ...integer(1),
    },
    pollMaxMs: {
      doc: '...and doubles (with jitter) up to here while the tenant stays empty.',
      default: w.pollMaxMs,
      env: 'TQW_POLL_MAX_MS',
      ...integer(1),
    },
    tenantBackoffMaxMs: {
      doc: 'Cap of the backoff of a failing tenant (database down, wrong password, missing table); the other tenants are not slowed.',
      default: w.tenantBackoffMaxMs,
      env: 'TQW_TENANT_BACKOFF_MAX_MS',
      ...integer(1),
    },
    shutdownTimeoutMs: {
      doc: "Graceful shutdown: time in-flight handlers get before they are aborted and their messages released. Keep it below the orchestrator's grace period (Kubernetes: 30 s).",
      default: w.shutdownTimeoutMs,
      env: 'TQW_SHUTDOWN_TIMEOUT_MS',
      ...integer(0),
    },
    prefetch: {
      doc: 'Most messages claimed ahead of free handler slots; the local queue adapts to hold ~250 ms of work, at least worker.concurrency. A message that waited over half of worker.leaseMs is released. 0 = claim only for free slots.',
      default: w.prefetch,
      env: 'TQW_PREFETCH',
      ...integer(0, 10_000),
    },
    notify: {
      doc: 'PostgreSQL: wake idle tenants by LISTEN/NOTIFY (one connection per database, see db.notifyListenersMax); polling stays the backstop. false = poll only.',
      default: w.notify,
      env: 'TQW_NOTIFY',
      ...boolean,
    },
    notifyBackstopMs: {
      doc: 'PostgreSQL, while a NOTIFY listener is connected: the idle probe backs off up to max(worker.pollMaxMs, this); it still catches rows that sent no notification.',
      default: w.notifyBackstopMs,
      env: 'TQW_NOTIFY_BACKSTOP_MS',
      ...integer(1),
    },
    sqlServerProbeMs: {
      doc: 'SQL Server (no NOTIFY): interval of the idle probe, one statement per server and login for all its tenants. Lower = faster pickup of a new message, more statements.',
      default: w.sqlServerProbeMs,
      env: 'TQW_SQLSERVER_PROBE_MS',
      ...integer(1),
    },
    maxPayloadBytes: {
      doc: 'Largest Payload in UTF-8 bytes: enqueue refuses a larger one, the worker dead-letters it unparsed (parsing a huge payload blocks every tenant). Default 1 MiB, as SQS.',
      default: w.maxPayloadBytes,
      env: 'TQW_MAX_PAYLOAD_BYTES',
      ...integer(1, 1_073_741_824),
    },
  },
  db: {
    poolMax: {
      doc: 'Most connections per pool; tenants on the same database share one pool.',
      default: DEFAULT_POOL_OPTIONS.max,
      env: 'TQW_DB_POOL_MAX',
      ...integer(1, 1_000),
    },
    idleTimeoutMs: {
      doc: 'An idle connection is closed after this long, so quiet tenants hold no connections.',
      default: DEFAULT_POOL_OPTIONS.idleTimeoutMs,
      env: 'TQW_DB_IDLE_TIMEOUT_MS',
      ...integer(1),
    },
    connectTimeoutMs: {
      doc: 'Time to wait for a new database connection.',
      default: DEFAULT_POOL_OPTIONS.connectTimeoutMs,
      env: 'TQW_DB_CONNECT_TIMEOUT_MS',
      ...integer(1),
    },
    notifyListenersMax: {
      doc: 'Most PostgreSQL databases listened to at once (each costs a connection); the others are polled only.',
      default: DEFAULT_NOTIFY_OPTIONS.maxListeners,
      env: 'TQW_DB_NOTIFY_LISTENERS_MAX',
      ...integer(0, 10_000),
    },
    asyncCommit: {
      doc: "PostgreSQL: the worker's own bookkeeping (claims, completions, lease extensions) commits without waiting for the log flush; a crash of the database server can lose its last moments: those messages run again, exactly-once effects of transactional handlers hold.",
      default: DEFAULT_STORE_OPTIONS.asyncCommit,
      env: 'TQW_DB_ASYNC_COMMIT',
      ...boolean,
    },
    asyncClaims: {
      doc: 'PostgreSQL: claims commit without waiting for the log flush. A worker crash loses nothing; a crash of the database server within moments can undo a claim (its attempt not counted; exactly-once effects hold). false: every claim waits.',
      default: DEFAULT_STORE_OPTIONS.asyncClaims,
      env: 'TQW_DB_ASYNC_CLAIMS',
      ...boolean,
    },
  },
  metrics: {
    tenantLabel: {
      doc: 'Label metrics per tenant; false aggregates all tenants into one series (fleets with thousands of tenants).',
      default: true,
      env: 'TQW_METRICS_TENANT_LABEL',
      ...boolean,
    },
    depthIntervalMs: {
      doc: 'How often the queue_depth gauge is refreshed (by a cheap indexed query, not on every scrape).',
      default: 15_000,
      env: 'TQW_METRICS_DEPTH_INTERVAL_MS',
      ...integer(1),
    },
  },
  retention: {
    completedMaxAgeMs: {
      doc: 'Completed messages older than this are deleted in small batches; 0 keeps them forever.',
      default: 7 * DAY_MS,
      env: 'TQW_RETENTION_COMPLETED_MAX_AGE_MS',
      ...integer(0, Number.MAX_SAFE_INTEGER),
    },
    deadLetterMaxAgeMs: {
      doc: 'DeadLetter messages older than this are deleted; 0 keeps them until requeued (tqw dead-letters requeue).',
      default: 0,
      env: 'TQW_RETENTION_DEADLETTER_MAX_AGE_MS',
      ...integer(0, Number.MAX_SAFE_INTEGER),
    },
    intervalMs: {
      doc: 'How often each tenant is swept for old rows.',
      default: 60_000,
      env: 'TQW_RETENTION_INTERVAL_MS',
      ...integer(1),
    },
    batchSize: {
      doc: 'Rows per DELETE. Kept below 5000 so SQL Server never escalates the row locks to a table lock.',
      default: 500,
      env: 'TQW_RETENTION_BATCH_SIZE',
      ...integer(1, 4_000),
    },
    deleteOnCompletion: {
      doc: "Delete a message's row when it completes instead of marking it Completed: the cheapest completion, but no Completed history. Fencing and exactly-once effects are unchanged; Failed and DeadLetter rows are kept.",
      default: DEFAULT_STORE_OPTIONS.deleteOnCompletion,
      env: 'TQW_RETENTION_DELETE_ON_COMPLETION',
      ...boolean,
    },
  },
  log: {
    level: {
      doc: 'Log level of the JSON logs on stdout.',
      default: 'info',
      env: 'TQW_LOG_LEVEL',
      kind: 'enum',
      format: LOG_LEVELS,
      formatDoc: LOG_LEVELS.join(' | '),
    },
  },
  console: {
    enabled: {
      doc: '`tqw run` also serves the operator console (web page and JSON API) on console.host:console.port; `tqw console` serves it alone.',
      default: false,
      env: 'TQW_CONSOLE_ENABLED',
      ...boolean,
    },
    host: {
      doc: 'Address the console binds to; keep it local or behind a TLS proxy (the console sends the token and its session cookie in clear).',
      default: '127.0.0.1',
      env: 'TQW_CONSOLE_HOST',
      ...nonEmptyString,
    },
    port: {
      doc: 'Port of the console; 0 picks a free port (tests).',
      default: 9465,
      env: 'TQW_CONSOLE_PORT',
      ...integer(0, 65535),
    },
    token: {
      doc: 'Secret every console API request presents (Authorization: Bearer) and the page signs in with; required when the console runs (exit 78 without it). Never shown by `tqw config`.',
      default: '',
      env: 'TQW_CONSOLE_TOKEN',
      secret: true,
      ...anyString,
    },
    readOnly: {
      doc: 'The console only shows: every action (requeue, delete, pause, resume) answers 403.',
      default: false,
      env: 'TQW_CONSOLE_READ_ONLY',
      ...boolean,
    },
  },
};

/** One leaf of the schema with its dotted name. */
export interface SchemaKey {
  name: string;
  section: SectionName;
  key: string;
  spec: KeySpec<unknown>;
}

/** Every key, in schema order. */
export function schemaKeys(schema: TqwSchema = CONFIG_SCHEMA): SchemaKey[] {
  const keys: SchemaKey[] = [];
  for (const section of Object.keys(schema) as SectionName[]) {
    const specs = schema[section] as Record<string, KeySpec<unknown>>;
    for (const key of Object.keys(specs)) {
      keys.push({ name: `${section}.${key}`, section, key, spec: specs[key] });
    }
  }
  return keys;
}
