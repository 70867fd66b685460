/**
 * `tqw console`: the operator console alone, without handlers or claiming (e.g. with a tenants file
 * of admin logins). Serves until SIGTERM/SIGINT; SIGHUP re-reads the tenants file. Resolves with the
 * exit code; a missing console.token is a ConfigError (exit 78) before anything listens.
 */
import { CONSOLE_TOKEN_FIX, CONSOLE_TOKEN_MISSING, loadConfig } from '../config/load-config';
import { toNotifyOptions, toPoolOptions, toStoreOptions } from '../config/to-options';
import { ConfigError, describeError } from '../errors';
import { createLogger } from '../log/logger';
import { createRedactor } from '../log/redact';
import { StorePools, createStore } from '../store/create-store';
import type { QueueStore } from '../store/types';
import { loadTenants } from '../tenants/load-tenants';
import type { Tenant } from '../tenants/types';
import type { ConsoleTenant } from './console-source';
import { startConsoleServer } from './console-server';
import { storeErrorHistory } from './store-error-history';
import { storeFlowControl } from './store-flow-control';

export interface RunConsoleOptions {
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves to stop the console (default: the first SIGTERM or SIGINT). */
  until?: Promise<void>;
  /** Called once listening, with the bound port (tests). */
  onListening?: (port: number) => void;
}

export async function runConsole(options: RunConsoleOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const config = loadConfig({ configFile: options.configFile, env });
  if (config.console.token.trim() === '')
    throw new ConfigError(`${CONSOLE_TOKEN_MISSING.replace(' (console.enabled is true)', '')} (${CONSOLE_TOKEN_FIX})`);
  const redactor = createRedactor([]);
  const logger = createLogger({ level: config.log.level, redactor, base: { component: 'console' } });
  const secrets = new Set<string>([config.console.token]);
  let tenants = loadTenants(config.tenants.file, env);
  for (const t of tenants) secrets.add(t.connectionString);
  redactor.setSecrets(secrets);

  const pools = new StorePools(toPoolOptions(config), toNotifyOptions(config), toStoreOptions(config));
  const stores = new Map<string, { tenant: Tenant; store: QueueStore }>();
  const storeOf = (t: Tenant): ConsoleTenant => {
    const known = stores.get(t.id);
    if (known && known.tenant.connectionString === t.connectionString && known.tenant.schema === t.schema) return known;
    if (known) void known.store.close();
    const made = { tenant: t, store: createStore(t, pools) };
    stores.set(t.id, made);
    return made;
  };

  const handle = await startConsoleServer(
    { tenants: () => tenants.map(storeOf), errorHistory: storeErrorHistory, flowControl: storeFlowControl() },
    {
      host: config.console.host,
      port: config.console.port,
      token: config.console.token,
      readOnly: config.console.readOnly,
      leaseMs: config.worker.leaseMs,
      logger,
      redact: (text) => redactor.redact(text),
    },
  );
  logger.info(
    { host: config.console.host, port: handle.port, readOnly: config.console.readOnly, tenants: tenants.length },
    'console listening',
  );
  options.onListening?.(handle.port);

  const onHup = () => {
    try {
      const next = loadTenants(config.tenants.file, env);
      for (const t of next) secrets.add(t.connectionString);
      redactor.setSecrets(secrets);
      tenants = next;
      logger.info({ tenants: next.length }, 'tenants file reloaded');
    } catch (err) {
      logger.error(
        { err: redactor.redact(err instanceof ConfigError ? err.message : describeError(err)) },
        'tenants file reload failed; keeping the previous tenant map',
      );
    }
  };
  process.on('SIGHUP', onHup);
  let stopSignal: (() => void) | undefined;
  const stopped = options.until ?? new Promise<void>((resolve) => (stopSignal = resolve));
  const onStop = () => stopSignal?.();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  try {
    await stopped;
    logger.info('console stopping');
    return 0;
  } finally {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    await handle.close();
    await Promise.allSettled([...stores.values()].map((s) => s.store.close()));
    await pools.closeAll();
    logger.flush();
  }
}
