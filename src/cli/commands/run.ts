import { loadConfig } from '../../config/load-config';
import { startDaemon } from '../../daemon/daemon';
import { TransactionClosedError, describeError } from '../../errors';
import { reportOnExit } from '../../daemon/exit-report';
import { createLogger } from '../../log/logger';
import { createRedactor } from '../../log/redact';

export interface RunCommandOptions {
  /** --config FILE (else TQW_CONFIG, else defaults + env). */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * `tqw run`: the daemon. Resolves with the process exit code.
 * - Invalid config, tenants file or handler modules throw ConfigError before any claim (the CLI exits 78).
 * - SIGTERM / SIGINT: graceful drain (readiness 503, claiming stops, in-flight handlers get
 *   worker.shutdownTimeoutMs, then are aborted and their messages released), exit 0.
 *   A second SIGTERM / SIGINT does not cut the drain short: it is logged and the drain goes on to
 *   its deadline (supervisors and impatient terminals resend signals; skipping the drain would leave
 *   claimed messages waiting for their lease). SIGKILL still ends the process at once.
 * - SIGHUP: re-read the tenants file.
 * - An unexpected error in the loop is logged as fatal and exits 1 so the orchestrator restarts us.
 */
export async function runCommand(options: RunCommandOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const config = loadConfig({ configFile: options.configFile, env });
  const redactor = createRedactor([]);
  const logger = createLogger({ level: config.log.level, redactor });

  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  // Whatever ends the process, its last line names the handler attempts that were running.
  const lastWords = reportOnExit(logger, () => daemon?.worker.runningMessages() ?? []);
  const onFatal = (kind: string) => (err: unknown) => {
    // A handler that did not await a query refused after its attempt ended: nothing was written
    // (that is the point of the refusal), so it is no reason to stop the other tenants' work.
    if (err instanceof TransactionClosedError) {
      logger.warn({ err }, 'a handler left a query unawaited that was refused because its attempt had ended');
      return;
    }
    lastWords.fatal(err, `${kind}: exiting so the orchestrator restarts the process`);
    process.exit(1);
  };
  process.on('uncaughtException', onFatal('uncaught exception'));
  process.on('unhandledRejection', onFatal('unhandled promise rejection'));

  daemon = await startDaemon({ config, logger, redactor, env });
  const started = daemon;

  let drainDeadline: number | undefined;
  const onStopSignal = (signal: NodeJS.Signals) => {
    if (drainDeadline !== undefined) {
      logger.warn(
        { signal, drainDeadlineInMs: Math.max(0, drainDeadline - Date.now()) },
        'already draining: the drain continues until in-flight handlers finish or worker.shutdownTimeoutMs passes (SIGKILL stops at once)',
      );
      return;
    }
    drainDeadline = Date.now() + config.worker.shutdownTimeoutMs;
    logger.info({ signal }, 'shutting down gracefully');
    void started.stop();
  };
  const onHup = () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading the tenants file');
    started.reloadTenants();
  };
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
  process.on('SIGHUP', onHup);

  try {
    await started.promise;
    logger.info('stopped cleanly');
    return 0;
  } catch (err) {
    logger.fatal({ err: redactor.redact(describeError(err)) }, 'worker failed');
    return 1;
  } finally {
    process.off('SIGTERM', onStopSignal);
    process.off('SIGINT', onStopSignal);
    process.off('SIGHUP', onHup);
    lastWords.uninstall();
  }
}
