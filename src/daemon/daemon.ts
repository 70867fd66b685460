import type { Logger } from 'pino';
import { ConfigError, describeError } from '../errors';
import { CONSOLE_TOKEN_FIX, CONSOLE_TOKEN_MISSING, type TqwConfig } from '../config/load-config';
import { toNotifyOptions, toPoolOptions, toStoreOptions, toWorkerOptions } from '../config/to-options';
import { loadHandlers } from '../handlers/load-handlers';
import type { HandlerRegistry } from '../handlers/handler-registry';
import type { RetryPolicy } from '../retry/retry-policy';
import { startHttpServer } from '../http/server';
import { startConsoleServer } from '../console/console-server';
import type { ConsoleSource } from '../console/console-source';
import { storeErrorHistory } from '../console/store-error-history';
import { storeFlowControl } from '../console/store-flow-control';
import type { Redactor } from '../log/redact';
import { createMetrics, type TqwMetrics } from '../metrics/metrics';
import { QueueDepthCache } from '../metrics/queue-depth-cache';
import { checkSeriesHistogramExport } from '../metrics/series-histogram';
import { StorePools, createStore } from '../store/create-store';
import { loadTenants } from '../tenants/load-tenants';
import type { Tenant } from '../tenants/types';
import { Worker } from '../worker/worker';
import { GroupedDepth } from './grouped-depth';
import { PauseMonitor } from './pause-monitor';
import { ignoredStoreOptions } from './ignored-options';
import { RetentionSweeper } from './retention';
import { ScheduleRunner } from './schedule-runner';
import { unknownScheduleTenants } from '../schedules/parse-schedules';
import { DaemonStatus } from './status';
import { TenantsFileWatcher } from './tenants-file-watcher';

export interface DaemonOptions {
  config: TqwConfig;
  logger: Logger;
  redactor: Redactor;
  env?: NodeJS.ProcessEnv;
  /** The handlers to run; default: the modules of config handlers.dir. */
  handlers?: HandlerRegistry;
  /** Replaces parts of the default retry policy for every type (src/retry/retry-policy.ts). Default none. */
  retryPolicy?: Partial<RetryPolicy>;
}

export interface DaemonHandle {
  readonly worker: Worker;
  readonly metrics: TqwMetrics;
  readonly handlers: HandlerRegistry;
  /** The port the HTTP server listens on (useful when http.port is 0). */
  readonly httpPort: number;
  /** The port the operator console listens on, when console.enabled (useful when console.port is 0). */
  readonly consolePort: number | undefined;
  /** Re-reads the tenants file; an invalid file keeps the old map. Returns whether the new map was applied. */
  reloadTenants(): boolean;
  /** Graceful shutdown (idempotent). */
  stop(): Promise<void>;
  /** Resolves when stopped; rejects on an unexpected worker error. */
  readonly promise: Promise<void>;
}

/**
 * Wires the daemon together: tenants, handlers, stores, worker, metrics, HTTP, tenants-file watch and
 * retention. Everything that must be undone on stop is pushed onto `releasers` as it is created and
 * undone in reverse order, so a failure half-way through start-up leaves nothing running.
 * Configuration problems (tenants file, handler modules) throw ConfigError before any claim.
 */
export async function startDaemon({
  config,
  logger,
  redactor,
  env = process.env,
  handlers: given,
  retryPolicy,
}: DaemonOptions): Promise<DaemonHandle> {
  const releasers: Array<() => Promise<void> | void> = [];
  const release = async () => {
    for (const undo of releasers.reverse()) {
      try {
        await undo();
      } catch (err) {
        logger.warn({ err: redactor.redact(describeError(err)) }, 'error during shutdown');
      }
    }
    releasers.length = 0;
  };

  try {
    if (config.console.enabled && config.console.token.trim() === '')
      throw new ConfigError(`${CONSOLE_TOKEN_MISSING} (${CONSOLE_TOKEN_FIX})`);
    // /metrics must not be silently wrong: refuse to start if prom-client no longer exports our histograms as its own.
    await checkSeriesHistogramExport();
    const tenants = loadTenants(config.tenants.file, env);
    const unknownTenants = unknownScheduleTenants(config.schedules, new Set(tenants.map((t) => t.id)));
    if (unknownTenants.length > 0)
      throw new ConfigError(
        `config error: ${unknownTenants.join('; ')} (tenants file ${config.tenants.file}; add the tenant there or remove it from the schedule)`,
        'TQW_SCHEDULE_INVALID',
      );
    // Every connection string of every tenant map of this process stays a secret: a tenant removed or
    // changed by a reload may still be draining on its old connection (and its errors name it).
    const secrets = new Set(tenants.map((t) => t.connectionString));
    if (config.console.token !== '') secrets.add(config.console.token);
    let currentTenants = tenants;
    redactor.setSecrets(secrets);
    const handlers = given ?? (await loadHandlers(config.handlers.dir));
    if (handlers.size === 0)
      logger.warn({ dir: given ? undefined : config.handlers.dir }, 'no handlers: no message will be claimed (messages stay Pending)');
    logger.info({ tenants: tenants.map((t) => ({ id: t.id, store: t.dialect, connection: t.redactedConnection })) }, 'tenant map loaded');
    const warnIgnoredOptions = (map: readonly Tenant[]) => {
      for (const ignored of ignoredStoreOptions(toStoreOptions(config), map))
        logger.warn({ option: ignored.option, tenants: ignored.tenants }, ignored.why);
    };
    warnIgnoredOptions(tenants);

    const pools = new StorePools(
      toPoolOptions(config),
      {
        ...toNotifyOptions(config),
        // One line per reconnect attempt of a database's LISTEN connection (attempts back off).
        onError: (database, err) =>
          logger.warn(
            { database, err: redactor.redact(describeError(err)) },
            'NOTIFY listener connection failed; its tenants are polled until it reconnects',
          ),
      },
      toStoreOptions(config),
    );
    releasers.push(() => pools.closeAll());

    let worker!: Worker;
    let consolePort: number | undefined;
    let depth!: QueueDepthCache;
    let pauses!: PauseMonitor;
    const metrics = createMetrics({
      tenantLabel: config.metrics.tenantLabel,
      source: {
        tenants: () => worker.gaugeSnapshots().map((t) => ({ ...t, depth: depth.get(t.id), paused: pauses.get(t.id) })),
      },
    });
    worker = new Worker({
      handlers,
      createStore: (tenant: Tenant) => createStore(tenant, pools),
      logger,
      metrics,
      redact: (text) => redactor.redact(text),
      options: toWorkerOptions(config),
      retryPolicy,
    });
    // Depth of every tenant of a database (or SQL Server server) in one statement per refresh.
    const groupedDepth = new GroupedDepth(() => worker.stores(), config.metrics.depthIntervalMs / 2);
    depth = new QueueDepthCache({
      intervalMs: config.metrics.depthIntervalMs,
      stores: () => groupedDepth.entries(),
      onError: (tenantId, err) =>
        logger.debug({ tenant: tenantId, err: redactor.redact(describeError(err)) }, 'queue depth refresh failed'),
    });

    // Pause switches of every tenant, for /healthz, the gauges and the console (claims read them themselves).
    pauses = new PauseMonitor({
      stores: () => worker.stores(),
      intervalMs: config.metrics.depthIntervalMs,
      onError: (group, err) => logger.debug({ group, err: redactor.redact(describeError(err)) }, 'pause state refresh failed'),
    });

    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      metrics,
      status: new DaemonStatus(worker, pauses),
      logger,
      redact: (text) => redactor.redact(text),
    });
    releasers.push(() => http.close());
    logger.info({ host: config.http.host, port: http.port }, 'http server listening (/livez /readyz /healthz /metrics)');

    worker.start(tenants);
    releasers.push(() => worker.stop());

    if (config.console.enabled) {
      // The console reads and acts through the worker's own stores (same pools), and shows the worker's view of each tenant.
      const status = new DaemonStatus(worker, pauses);
      const source: ConsoleSource = {
        tenants: () => {
          const stores = new Map(worker.stores().map((s) => [s.tenantId, s.store]));
          return currentTenants.flatMap((t) => {
            const store = stores.get(t.id);
            return store ? [{ tenant: t, store }] : [];
          });
        },
        health: () => status.health().tenants,
        errorHistory: storeErrorHistory,
        flowControl: storeFlowControl(pauses),
      };
      const consoleServer = await startConsoleServer(source, {
        host: config.console.host,
        port: config.console.port,
        token: config.console.token,
        readOnly: config.console.readOnly,
        leaseMs: config.worker.leaseMs,
        logger: logger.child({ component: 'console' }),
        redact: (text) => redactor.redact(text),
      });
      consolePort = consoleServer.port;
      // Pushed after the worker: released (in reverse) before it, so no action runs on a stopped worker's stores.
      releasers.push(() => consoleServer.close());
      logger.info({ host: config.console.host, port: consoleServer.port, readOnly: config.console.readOnly }, 'operator console listening');
    }
    depth.start();
    releasers.push(() => depth.stop());
    pauses.start();
    releasers.push(() => pauses.stop());

    const retention = new RetentionSweeper(
      config.retention,
      () => worker.stores(),
      logger,
      (t) => redactor.redact(t),
    );
    retention.start();
    releasers.push(() => retention.stop());

    // Pushed after the worker: stopped (in reverse) before the stores close.
    const schedules = new ScheduleRunner({
      schedules: config.schedules,
      stores: () => worker.stores(),
      logger: logger.child({ component: 'schedules' }),
      onEnqueued: (schedule, tenant) => metrics.scheduleEnqueued(schedule, tenant),
      redact: (t) => redactor.redact(t),
    });
    schedules.start();
    releasers.push(() => schedules.stop());
    if (config.schedules.length > 0) logger.info({ schedules: config.schedules.map((s) => s.name) }, 'recurring schedules started');

    const reloadTenants = (): boolean => {
      try {
        const next = loadTenants(config.tenants.file, env);
        for (const t of next) secrets.add(t.connectionString);
        redactor.setSecrets(secrets);
        const diff = worker.setTenants(next);
        currentTenants = next;
        metrics.configReload('success');
        logger.info(diff, 'tenants file reloaded');
        // Not an error on reload: the schedule enqueues for the tenants it names that exist.
        for (const problem of unknownScheduleTenants(config.schedules, new Set(next.map((t) => t.id))))
          logger.warn({ problem }, 'a schedule names a tenant the tenants file no longer has; it enqueues for the others');
        warnIgnoredOptions(next);
        return true;
      } catch (err) {
        metrics.configReload('failure');
        const message = err instanceof ConfigError ? err.message : describeError(err);
        logger.error({ err: redactor.redact(message) }, 'tenants file reload failed; keeping the previous tenant map');
        return false;
      }
    };

    if (config.tenants.watch) {
      const watcher = new TenantsFileWatcher({ file: config.tenants.file, onChange: reloadTenants });
      watcher.start();
      releasers.push(() => watcher.stop());
    }

    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= release());
    // An unexpected worker failure tears the rest down too; the caller sees the rejection.
    const promise = worker.promise.then(
      () => stop(),
      async (err: unknown) => {
        await stop();
        throw err;
      },
    );
    promise.catch(() => undefined);

    return { worker, metrics, handlers, httpPort: http.port, consolePort, reloadTenants, stop, promise };
  } catch (err) {
    await release();
    throw err;
  }
}
