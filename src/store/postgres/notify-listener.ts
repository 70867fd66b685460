import pg from 'pg';
import type { Tenant } from '../../tenants/types';
import type { WorkSubscriber, WorkSubscription } from '../types';
import { NOTIFY_CHANNEL } from './migrations/0003-notify-on-insert';

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
 * The LISTEN connections of one process: at most one per PostgreSQL database (pool key), shared by
 * every tenant of that database, opened by the first subscription and closed by the last.
 */
export class PgListenerRegistry {
  private readonly listeners = new Map<string, PgNotifyListener>();

  constructor(private readonly options: NotifyOptions = DEFAULT_NOTIFY_OPTIONS) {}

  /** Subscribes `subscriber` to notifications for the tenant's table; undefined when the listener cap is reached. */
  subscribe(tenant: Tenant, subscriber: WorkSubscriber): WorkSubscription | undefined {
    let listener = this.listeners.get(tenant.poolKey);
    if (!listener) {
      if (this.listeners.size >= this.options.maxListeners) return undefined;
      const key = tenant.poolKey;
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

/** Subscribers of tenants without a schema are filed under this key until the table's schema is known. */
const DEFAULT_SCHEMA = '';

/**
 * One database's LISTEN connection: a dedicated pg.Client (LISTEN needs a session, so not a pooled
 * connection) that receives the NOTIFY of migration 0003's trigger, whose payload is the schema of
 * the table a row was inserted into, and calls onWork() of that schema's subscribers.
 *
 * When the connection fails or drops it reconnects with jittered exponential backoff, telling the
 * subscribers onListening(false) meanwhile (their callers fall back to polling). After every
 * (re)connect every subscriber gets onListening(true): notifications sent while no one listened
 * are lost, so the subscriber must look for work itself then (the worker probes the tenants'
 * tables at once, one statement per chunk, rather than claiming each of them). TCP keep-alive
 * makes a silently dead connection fail instead of hanging forever.
 */
class PgNotifyListener {
  private readonly bySchema = new Map<string, Set<WorkSubscriber>>();
  /** Schema-less tenants: subscribers, and the schema their unqualified "QueueMessages" resolves to. */
  private defaultSchema: string | undefined;
  private client: pg.Client | undefined;
  private listening = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
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
    if (this.listening) subscriber.onListening(true);
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        set.delete(subscriber);
        if (set.size === 0 && this.bySchema.get(key) === set) this.bySchema.delete(key);
        if (this.bySchema.size === 0) void this.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.onClosed();
    const client = this.client;
    this.client = undefined;
    this.listening = false;
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
      // Where a schema-less tenant's unqualified "QueueMessages" lives (the role's search_path).
      const { rows } = await client.query<{ Schema: string | null }>(
        `SELECT n.nspname AS "Schema" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = to_regclass('"QueueMessages"')`,
      );
      this.defaultSchema = rows[0]?.Schema ?? undefined;
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client || this.closed) return;
    this.failures = 0;
    this.listening = true;
    for (const subscriber of this.subscribers()) subscriber.onListening(true);
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    // Keep an 'error' listener: a late socket error on the dead client must not crash the process.
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.listening) {
      this.listening = false;
      for (const subscriber of this.subscribers()) subscriber.onListening(false);
    }
    this.failures += 1;
    this.options.onError?.(this.key, err);
    const base = this.options.reconnectBaseMs ?? 500;
    const max = this.options.reconnectMaxMs ?? 30_000;
    const nominal = Math.min(max, base * 2 ** Math.min(this.failures - 1, 30));
    this.timer = setTimeout(() => void this.connect(), nominal / 2 + Math.random() * (nominal / 2));
    this.timer.unref();
  }

  private dispatch(schema: string): void {
    const named = this.bySchema.get(schema);
    if (named) for (const subscriber of named) subscriber.onWork();
    // Schema-less tenants: their table is in defaultSchema; unknown (no table yet) -> any notification.
    if (this.defaultSchema === undefined || this.defaultSchema === schema) {
      const unnamed = this.bySchema.get(DEFAULT_SCHEMA);
      if (unnamed) for (const subscriber of unnamed) subscriber.onWork();
    }
  }

  private *subscribers(): Iterable<WorkSubscriber> {
    for (const set of this.bySchema.values()) yield* [...set];
  }
}
