import pg from 'pg';
import type { Tenant } from '../../tenants/types';
import { sharingKey, shownKey } from '../sharing-key';
import type { WorkSubscriber, WorkSubscription } from '../types';
import { NOTIFY_CHANNEL, NOTIFY_TRIGGER } from './migrations/0003-notify-on-insert';

/** Settings of the LISTEN connections (config db.notifyListenersMax, db.connectTimeoutMs). */
export interface NotifyOptions {
  /** Most databases listened to at once; each costs one connection. Further databases are polled only. */
  maxListeners: number;
  /** Time to wait for a listener's connection. */
  connectTimeoutMs: number;
  /** First reconnect delay after a listener lost its connection; doubles (with jitter) per failure. Default 500. */
  reconnectBaseMs?: number;
  /** Cap of the reconnect delay. Default 30000. */
  reconnectMaxMs?: number;
  /**
   * Told when a listener's connection fails or drops (once per reconnect attempt, never per
   * notification); `key` is the database's pool key. The message may name the host, never the password.
   */
  onError?: (key: string, err: unknown) => void;
}

export const DEFAULT_NOTIFY_OPTIONS: Readonly<NotifyOptions> = Object.freeze({ maxListeners: 32, connectTimeoutMs: 5_000 });

/**
 * The LISTEN connections of one process: at most one per PostgreSQL database (sharing key: the
 * same database reached the same way), shared by every tenant of that database, opened by the first
 * subscription and closed by the last.
 */
export class PgListenerRegistry {
  private readonly listeners = new Map<string, PgNotifyListener>();

  constructor(private readonly options: NotifyOptions = DEFAULT_NOTIFY_OPTIONS) {}

  /** Subscribes `subscriber` to notifications for the tenant's table; undefined when the listener cap is reached. */
  subscribe(tenant: Tenant, subscriber: WorkSubscriber): WorkSubscription | undefined {
    const key = sharingKey(tenant);
    let listener = this.listeners.get(key);
    if (!listener) {
      if (this.listeners.size >= this.options.maxListeners) return undefined;
      listener = new PgNotifyListener(tenant.connectionString, key, this.options, () => {
        if (this.listeners.get(key) === listener) this.listeners.delete(key);
      });
      this.listeners.set(key, listener);
    }
    return listener.add(tenant.schema, subscriber);
  }

  /** Number of databases listened to (tests, diagnostics). */
  get size(): number {
    return this.listeners.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => l.close()));
  }
}

/** Subscribers of tenants without a schema are filed under this key (their table's schema is looked up). */
const DEFAULT_SCHEMA = '';

/** How often a connected listener re-reads which queue tables carry the notify trigger. */
const TRIGGER_RECHECK_MS = 60_000;

/**
 * Where a schema-less tenant's unqualified "QueueMessages" lives (the role's search_path), and the
 * schemas whose "QueueMessages" has migration 0003's trigger enabled. Catalog reads only.
 */
const TRIGGER_STATE_SQL = `SELECT
  (SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = to_regclass('"QueueMessages"')) AS "DefaultSchema",
  ARRAY(SELECT n.nspname::text FROM pg_catalog.pg_trigger t
        JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = 'QueueMessages' AND t.tgname = '${NOTIFY_TRIGGER}' AND t.tgenabled <> 'D') AS "Triggered"`;

/**
 * One database's LISTEN connection: a dedicated pg.Client (LISTEN needs a session, so not a pooled
 * connection) that receives the NOTIFY of migration 0003's trigger, whose payload is the schema of
 * the table a row was inserted into, and calls onWork() of that schema's subscribers.
 *
 * A subscriber is told onListening(true) only while the connection is up AND its table has the
 * trigger (a table created by an application without `tqw migrate` notifies nobody, so its tenant
 * must keep polling): the listener reads the triggers on connect, when tenants subscribe, and
 * every minute.
 *
 * When the connection fails or drops it reconnects with jittered exponential backoff, telling the
 * subscribers onListening(false) meanwhile (their callers fall back to polling). After every
 * (re)connect the subscribers get onListening(true) again: notifications sent while no one
 * listened are lost, so the subscriber must look for work itself then (the worker probes the
 * tenants' tables at once, one statement per chunk, rather than claiming each of them). TCP
 * keep-alive makes a silently dead connection fail instead of hanging forever.
 */
class PgNotifyListener {
  private readonly bySchema = new Map<string, Set<WorkSubscriber>>();
  /** The schema a schema-less tenant's table resolves to (undefined: no such table). */
  private defaultSchema: string | undefined;
  /** Schemas whose queue table has the notify trigger. */
  private triggered = new Set<string>();
  /** What each subscriber was last told. */
  private readonly told = new Map<WorkSubscriber, boolean>();
  private client: pg.Client | undefined;
  private connected = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private refreshQueued = false;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly key: string,
    private readonly options: NotifyOptions,
    private readonly onClosed: () => void,
  ) {
    void this.connect();
  }

  add(schema: string | undefined, subscriber: WorkSubscriber): WorkSubscription {
    const key = schema ?? DEFAULT_SCHEMA;
    let set = this.bySchema.get(key);
    if (!set) this.bySchema.set(key, (set = new Set()));
    set.add(subscriber);
    this.told.set(subscriber, false);
    // A new tenant's table may have got its trigger since the last look: read the triggers again.
    this.queueRefresh();
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        set.delete(subscriber);
        this.told.delete(subscriber);
        if (set.size === 0 && this.bySchema.get(key) === set) this.bySchema.delete(key);
        if (this.bySchema.size === 0) void this.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.recheck);
    this.onClosed();
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      keepAlive: true,
      application_name: 'tqw-listen',
    });
    this.client = client;
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the LISTEN connection was closed by the server')));
    client.on('notification', (msg) => {
      if (msg.channel === NOTIFY_CHANNEL) this.dispatch(msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client || this.closed) return;
    this.failures = 0;
    this.connected = true;
    this.recheck = setInterval(() => this.queueRefresh(), TRIGGER_RECHECK_MS);
    this.recheck.unref();
    await this.refresh();
  }

  private queueRefresh(): void {
    if (this.refreshQueued || !this.connected) return;
    this.refreshQueued = true;
    setImmediate(() => {
      this.refreshQueued = false;
      void this.refresh();
    });
  }

  /** Reads the trigger state and tells every subscriber whether it is covered by notifications now. */
  private async refresh(): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return;
    try {
      const { rows } = await client.query<{ DefaultSchema: string | null; Triggered: string[] }>(TRIGGER_STATE_SQL);
      this.defaultSchema = rows[0]?.DefaultSchema ?? undefined;
      this.triggered = new Set(rows[0]?.Triggered ?? []);
    } catch (err) {
      // The connection is probably gone; its 'error'/'end' handler reconnects.
      this.options.onError?.(shownKey(this.key), err);
      return;
    }
    if (this.client !== client || !this.connected) return;
    for (const [schema, set] of this.bySchema) {
      const table = schema === DEFAULT_SCHEMA ? this.defaultSchema : schema;
      const covered = table !== undefined && this.triggered.has(table);
      for (const subscriber of [...set]) this.tell(subscriber, covered);
    }
  }

  private tell(subscriber: WorkSubscriber, listening: boolean): void {
    if (!this.told.has(subscriber) || this.told.get(subscriber) === listening) return;
    this.told.set(subscriber, listening);
    subscriber.onListening(listening);
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.connected = false;
    clearInterval(this.recheck);
    client.removeAllListeners('notification');
    // Keep an 'error' listener: a late socket error on the dead client must not crash the process.
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    for (const subscriber of this.subscribers()) this.tell(subscriber, false);
    this.failures += 1;
    this.options.onError?.(shownKey(this.key), err);
    const base = this.options.reconnectBaseMs ?? 500;
    const max = this.options.reconnectMaxMs ?? 30_000;
    const nominal = Math.min(max, base * 2 ** Math.min(this.failures - 1, 30));
    this.timer = setTimeout(() => void this.connect(), nominal / 2 + Math.random() * (nominal / 2));
    this.timer.unref();
  }

  private dispatch(schema: string): void {
    const named = this.bySchema.get(schema);
    if (named) for (const subscriber of [...named]) subscriber.onWork();
    if (this.defaultSchema === schema) {
      const unnamed = this.bySchema.get(DEFAULT_SCHEMA);
      if (unnamed) for (const subscriber of [...unnamed]) subscriber.onWork();
    }
  }

  private *subscribers(): Iterable<WorkSubscriber> {
    for (const set of this.bySchema.values()) yield* [...set];
  }
}
